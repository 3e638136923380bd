import { useCallback, useEffect, useState } from 'react';
import type { RunSummaryPage } from '@galaxyflow/engine';
import { finishedLiveRunId } from '../store/runReducer';
import { useEditorContext } from './useEditorContext';
import { useEditorState } from './useEditorState';

export interface RunHistoryApi {
  page: number;
  data: RunSummaryPage | null;
  loading: boolean;
  error: string | null;
  hasPrevious: boolean;
  hasNext: boolean;
  setPage(page: number): void;
  refresh(): void;
}

/** Pages through the runs of the editor's workflow, newest first; refreshes after each live run. */
export function useRunHistory(limit = 10): RunHistoryApi {
  const { controller } = useEditorContext();
  const workflowId = useEditorState((state) => state.workflowId);
  // A finished live run is a new first row.
  const finished = useEditorState((state) => finishedLiveRunId(state.run));
  const [page, setPage] = useState(1);
  const [data, setData] = useState<RunSummaryPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const client = controller.client;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `finished` and `nonce` are refresh triggers
  useEffect(() => {
    if (!client || !workflowId) return;
    let live = true;
    setLoading(true);
    setError(null);
    client
      .listRuns({ workflowId, page, limit })
      .then((result) => {
        if (live) setData(result);
      })
      .catch((reason: unknown) => {
        if (live) setError(reason instanceof Error ? reason.message : String(reason));
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [client, workflowId, page, limit, finished, nonce]);

  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  const hasNext = data ? (data.hasMore ?? (data.total !== undefined ? page * limit < data.total : data.items.length === limit)) : false;
  return { page, data, loading, error, hasPrevious: page > 1, hasNext, setPage, refresh };
}
