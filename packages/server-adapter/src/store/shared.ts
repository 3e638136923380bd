import type { ErrorInfo, NodeStatus } from '@galaxyflow/engine';
import type {
  NodeResultInput,
  NodeResultRecord,
  RunCounts,
  WorkflowContent,
  WorkflowGraph,
} from './types';

/** Shared by the store implementations so they agree to the letter. */

export const emptyCounts = (): RunCounts => ({
  total: 0,
  success: 0,
  failed: 0,
  skipped: 0,
  canceled: 0,
});

/** The graph alone; `settings` stays absent when the workflow has none. */
export function graphOf(content: WorkflowGraph): WorkflowGraph {
  const graph: WorkflowGraph = { nodes: content.nodes, edges: content.edges };
  if (content.settings !== undefined) graph.settings = content.settings;
  return graph;
}

export function mergeContent(
  current: WorkflowContent,
  changes: Partial<WorkflowContent>,
): WorkflowContent {
  const settings = changes.settings ?? current.settings;
  return {
    name: changes.name ?? current.name,
    description: changes.description ?? current.description,
    tags: changes.tags ?? current.tags,
    nodes: changes.nodes ?? current.nodes,
    edges: changes.edges ?? current.edges,
    ...(settings === undefined ? {} : { settings }),
  };
}

/** Case-insensitive substring match used by both stores' workflow search. */
export function matchesQuery(content: WorkflowContent, q: string): boolean {
  const needle = q.toLowerCase();
  return (
    content.name.toLowerCase().includes(needle) ||
    content.description.toLowerCase().includes(needle) ||
    content.tags.some((tag) => tag.toLowerCase().includes(needle))
  );
}

/** Escapes LIKE wildcards so a search for `50%` finds "50%", not everything. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function countStatus(counts: RunCounts, status: NodeStatus): void {
  counts.total += 1;
  if (status === 'SUCCESS') counts.success += 1;
  else if (status === 'FAILED') counts.failed += 1;
  else if (status === 'SKIPPED') counts.skipped += 1;
  else counts.canceled += 1;
}

/**
 * The error of a run canceled while QUEUED, by whether it had started before. Exported for
 * store implementations: the store contract expects these words.
 */
export function queuedCancelError(startedBefore: boolean): ErrorInfo {
  return {
    code: 'E_CANCELED',
    message: startedBefore
      ? 'The run was canceled while it waited to resume.'
      : 'The run was canceled before it started.',
    retryable: false,
  };
}

/**
 * Ends a run that stops without a worker (canceled while queued): results still RUNNING
 * (left by a worker that handed the run back) end with `status`, and the counts cover
 * every recorded node.
 */
export function closeOpenResults(
  records: readonly NodeResultRecord[],
  status: 'CANCELED' | 'FAILED',
  error: ErrorInfo,
  atMs: number,
): { closed: NodeResultInput[]; counts: RunCounts } {
  const counts = emptyCounts();
  const closed: NodeResultInput[] = [];
  for (const record of records) {
    if (record.status === 'RUNNING') {
      const { runId: _, ...input } = record;
      closed.push({
        ...input,
        status,
        error: { ...error, nodeId: record.nodeId },
        finishedAt: atMs,
        ...(record.startedAt === undefined
          ? {}
          : { durationMs: Math.max(0, atMs - record.startedAt) }),
      });
      countStatus(counts, status);
    } else {
      countStatus(counts, record.status);
    }
  }
  return { closed, counts };
}

/** How many runs one `pruneRuns` call deletes when the caller does not say. */
export const DEFAULT_PRUNE_LIMIT = 100;

/**
 * The row number a cursor stands for: stores number a run's node results and log lines, and a
 * cursor is the number of the last row a page held, as text. 0 (from the first) when absent.
 * Exported for store implementations, so every store reads cursors alike.
 */
export function cursorAfter(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!/^\d{1,15}$/.test(after)) {
    throw new RangeError(`"${after}" is not a cursor this store returned.`);
  }
  return Number(after);
}

/**
 * A page from up to `limit + 1` rows read after the cursor: the extra row only tells that
 * there is more, and `next` is the number of the page's last row.
 */
export function cursorPageOf<T>(
  rows: readonly T[],
  limit: number,
  numberOf: (row: T) => number,
): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > limit && last !== undefined ? String(numberOf(last)) : null,
  };
}

/** Statuses a run can still change from: retention and deletion never touch such a run. */
export const ACTIVE_RUN_STATUSES = ['QUEUED', 'RUNNING'] as const;

/** The most file references one graph records. */
export const MAX_FILE_REFS = 500;

/**
 * The ids of the files a graph's nodes name: every string `fileId` in a node's data, at any
 * depth (an Image node's `{ fileId }`, a list of them), deduplicated, at most `MAX_FILE_REFS`.
 */
export function fileIdsOf(graph: Pick<WorkflowGraph, 'nodes'>): string[] {
  const ids = new Set<string>();
  const stack: unknown[] = graph.nodes.map((node) => node.data);
  while (stack.length > 0 && ids.size < MAX_FILE_REFS) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === 'fileId' && typeof item === 'string' && item !== '') ids.add(item);
      else if (typeof item === 'object') stack.push(item);
    }
  }
  return [...ids];
}
