import { NOTE_NODE_TYPE, type StoredWorkflowVersionPage } from '@galaxyflow/engine';
import { useCallback, useEffect, useState } from 'react';
import { diffGraphs, type GraphDiff } from '../store/graphDiff';
import { useEditorContext } from './useEditorContext';
import { useEditorState } from './useEditorState';

/** One row of the Versions panel: a saved version and what it changed from the one before. */
export interface VersionRow {
  version: number;
  createdAt: number;
  restoredFrom: number | null;
  author: string | undefined;
  /** Undefined while the graphs load, or when they could not be read. */
  diff: GraphDiff | undefined;
  /** Node titles by id, over both graphs, for naming what changed. */
  titles: Record<string, string>;
  /** The first version has nothing before it. */
  first: boolean;
  /** The graphs could not be read (e.g. the one before was pruned): what changed is unknown. */
  unknown: boolean;
}

export interface VersionsApi {
  page: number;
  rows: VersionRow[];
  total: number | undefined;
  loading: boolean;
  error: string | null;
  hasPrevious: boolean;
  hasNext: boolean;
  setPage(page: number): void;
}

function titlesOf(
  nodes: readonly { id: string; type: string; data?: Record<string, unknown> | undefined }[],
  into: Record<string, string>,
) {
  for (const node of nodes) {
    const label = node.data?.label;
    into[node.id] =
      typeof label === 'string' && label
        ? label
        : node.type === NOTE_NODE_TYPE
          ? 'Note'
          : node.type;
  }
}

/**
 * Pages through the workflow's saved versions, newest first, and works out what each one
 * changed by diffing its graph with the one before. Reloads when the workflow's version moves.
 */
export function useVersions(limit = 5): VersionsApi {
  const { controller } = useEditorContext();
  const workflowId = useEditorState((state) => state.workflowId);
  const current = useEditorState((state) => state.version);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<StoredWorkflowVersionPage | null>(null);
  const [rows, setRows] = useState<VersionRow[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = controller.client;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `current` is a refresh trigger (a save or restore adds a row)
  useEffect(() => {
    if (!client?.listVersions || !workflowId) return;
    let live = true;
    setLoading(true);
    setError(null);
    (async () => {
      const result = await client.listVersions!(workflowId, { page, limit });
      if (!live) return;
      setData(result);
      const base = result.items.map(
        (item): VersionRow => ({
          version: item.version,
          createdAt: item.createdAt,
          restoredFrom: item.restoredFrom ?? null,
          author: item.author,
          diff: undefined,
          titles: {},
          first: item.version === 1,
          unknown: false,
        }),
      );
      setRows(base);
      setLoading(false);
      // Versions are numbered one by one: the one before version n is n - 1.
      const diffs = await Promise.all(
        base.map(async (row) => {
          try {
            const [after, before] = await Promise.all([
              controller.loadVersion(row.version),
              row.first ? Promise.resolve(undefined) : controller.loadVersion(row.version - 1),
            ]);
            const titles: Record<string, string> = {};
            if (before) titlesOf(before.workflow.nodes, titles);
            titlesOf(after.workflow.nodes, titles);
            return { ...row, diff: diffGraphs(before?.workflow, after.workflow), titles };
          } catch {
            return { ...row, unknown: true };
          }
        }),
      );
      if (live) setRows(diffs);
    })().catch((reason: unknown) => {
      if (!live) return;
      setError(reason instanceof Error ? reason.message : String(reason));
      setLoading(false);
    });
    return () => {
      live = false;
    };
  }, [client, controller, workflowId, page, limit, current]);

  const total = data?.total;
  const hasNext = data
    ? (data.hasMore ?? (total !== undefined ? page * limit < total : data.items.length === limit))
    : false;
  const go = useCallback((next: number) => setPage(Math.max(1, next)), []);
  return { page, rows, total, loading, error, hasPrevious: page > 1, hasNext, setPage: go };
}
