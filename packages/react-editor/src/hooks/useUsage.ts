import type { UsageReport } from '@galaxyflow/engine';
import { useEffect, useState } from 'react';
import { finishedLiveRunId } from '../store/runReducer';
import { useEditorContext } from './useEditorContext';
import { useEditorState } from './useEditorState';

export interface UsageApi {
  data: UsageReport | null;
  loading: boolean;
  error: string | null;
}

/**
 * The user's daily usage over the last `days` days, today included (UTC), from the client's
 * `usage`; asked again after each live run ends.
 */
export function useUsage(days = 30): UsageApi {
  const { controller } = useEditorContext();
  const client = controller.client;
  const finished = useEditorState((state) => finishedLiveRunId(state.run));
  const [data, setData] = useState<UsageReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `finished` is a refresh trigger
  useEffect(() => {
    if (!client?.usage) return;
    let live = true;
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    setLoading(true);
    setError(null);
    client
      .usage({ from, to, groupBy: 'day' })
      .then((report) => {
        if (live) setData(report);
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
  }, [client, days, finished]);

  return { data, loading, error };
}
