import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { useRunHistory } from '../../hooks/useRunHistory';
import { formatDuration, formatTokens, formatUsd } from '../../store/usageFormat';
import { SidePanel } from '../SidePanel';

export interface HistoryPanelProps {
  /** Runs per page. Default 10. */
  pageSize?: number;
}

function when(value: string | number | undefined): string {
  if (value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

function duration(ms: number | undefined): string {
  return ms === undefined ? '—' : formatDuration(ms);
}

/** The runs of this workflow, page by page; opening one paints it onto the canvas. */
export function HistoryPanel({ pageSize = 10 }: HistoryPanelProps) {
  const { controller } = useEditorContext();
  const openRunId = useEditorState((state) => (state.run?.origin === 'history' ? state.run.runId : null));
  const history = useRunHistory(pageSize);
  const { data, page } = history;
  return (
    <SidePanel title="Run history">
      {openRunId && (
        <div className="gf-history__showing">
          Showing run <code>{openRunId}</code> on the canvas.{' '}
          <button type="button" className="gf-button gf-button--small" onClick={() => controller.clearRun()}>
            Clear
          </button>
        </div>
      )}
      {history.error && <p className="gf-panel__error" role="alert">Could not load runs: {history.error}</p>}
      {data && data.items.length === 0 && <p className="gf-panel__empty">No runs yet.</p>}
      {data && data.items.length > 0 && (
        <table className="gf-history" aria-busy={history.loading}>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
              <th scope="col">Models</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((run) => (
              <tr key={run.runId} className={run.runId === openRunId ? 'gf-history__row--open' : undefined}>
                <td>
                  <button
                    type="button"
                    className={`gf-history__open gf-run-status gf-run-status--${run.status.toLowerCase()}`}
                    onClick={() => void controller.openRun(run.runId)}
                    aria-label={`${run.status.toLowerCase()}: open run ${run.runId}`}
                  >
                    {run.status.toLowerCase()}
                  </button>
                </td>
                <td>{when(run.startedAt ?? run.createdAt)}</td>
                <td>{duration(run.durationMs)}</td>
                <td title={run.usage ? `${run.usage.inputTokens.toLocaleString('en-US')} in + ${run.usage.outputTokens.toLocaleString('en-US')} out` : undefined}>
                  {run.usage ? `${run.usage.estimated ? '~' : ''}${formatTokens(run.usage.inputTokens + run.usage.outputTokens)}` : '—'}
                </td>
                <td>{run.usage ? formatUsd(run.usage.costUsd) : '—'}</td>
                <td className="gf-history__models">
                  {run.usage && run.usage.models.length > 0
                    ? run.usage.models.map((m) => `${m.provider} · ${m.model}`).join(', ')
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {history.loading && !data && <p className="gf-panel__empty">Loading…</p>}
      <div className="gf-pager">
        <button type="button" className="gf-button gf-button--small" disabled={!history.hasPrevious} onClick={() => history.setPage(page - 1)}>
          Newer
        </button>
        <span aria-live="polite">Page {page}{data?.total !== undefined ? ` of ${Math.max(1, Math.ceil(data.total / pageSize))}` : ''}</span>
        <button type="button" className="gf-button gf-button--small" disabled={!history.hasNext} onClick={() => history.setPage(page + 1)}>
          Older
        </button>
      </div>
    </SidePanel>
  );
}
