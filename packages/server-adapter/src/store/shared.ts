import type { NodeStatus } from '@galaxyflow/engine';
import type { RunCounts, WorkflowContent, WorkflowGraph } from './types';

/** Shared by the store implementations so they agree to the letter. */

export const emptyCounts = (): RunCounts => ({
  total: 0,
  success: 0,
  failed: 0,
  skipped: 0,
  canceled: 0,
});

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : iso(ms);
}

export function graphOf(content: WorkflowGraph): WorkflowGraph {
  return { nodes: content.nodes, edges: content.edges, settings: content.settings };
}

export function mergeContent(
  current: WorkflowContent,
  changes: Partial<WorkflowContent>,
): WorkflowContent {
  return {
    name: changes.name ?? current.name,
    description: changes.description ?? current.description,
    tags: changes.tags ?? current.tags,
    nodes: changes.nodes ?? current.nodes,
    edges: changes.edges ?? current.edges,
    settings: changes.settings === undefined ? current.settings : changes.settings,
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
