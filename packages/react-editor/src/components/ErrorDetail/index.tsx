import { nodeTitle } from '@galaxyflow/engine';
import { useEditorState } from '../../hooks/useEditorState';
import { answeredBy, fallbacksOf } from '../../store/nodeMeta';
import { SidePanel } from '../SidePanel';
import { StatusBadge } from '../StatusBadge';

function time(at: number): string {
  return new Date(at).toLocaleTimeString();
}

/**
 * What went wrong in one node: code, message, attempts, who answered and the fallbacks tried
 * (when the node reported them), details and its log lines.
 */
export function ErrorDetail() {
  const nodeId = useEditorState((state) => state.errorNodeId);
  const node = useEditorState((state) => state.nodes.find((n) => n.id === state.errorNodeId));
  const definition = useEditorState((state) => (node ? state.registry.get(node.type) : undefined));
  const runState = useEditorState((state) => (nodeId ? state.run?.nodes[nodeId] : undefined));
  const logs = useEditorState((state) => state.run?.logs);
  if (!nodeId) return null;
  const label = node ? nodeTitle(node.data, definition?.label ?? node.type) : nodeId;
  const nodeLogs = (logs ?? []).filter((entry) => entry.nodeId === nodeId);
  const error = runState?.error;
  const answered = answeredBy(runState?.meta);
  const fallbacks = fallbacksOf(runState?.meta);
  return (
    <SidePanel title={`Error in ${label}`} revealNodeId={node ? nodeId : undefined}>
      <dl className="gf-detail">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={runState?.status} attempt={runState?.attempt ?? 1} />
        </dd>
        <dt>Code</dt>
        <dd>
          <code>{error?.code ?? '—'}</code>
        </dd>
        <dt>Message</dt>
        <dd>{error?.message ?? 'No error was recorded.'}</dd>
        <dt>Attempts</dt>
        <dd>{runState?.attempt ?? 0}</dd>
        <dt>Retryable</dt>
        <dd>{error ? (error.retryable ? 'Yes' : 'No') : '—'}</dd>
        {answered && (
          <>
            <dt>Answered by</dt>
            <dd>{answered}</dd>
          </>
        )}
        {fallbacks.length > 0 && (
          <>
            <dt>Fallbacks tried</dt>
            <dd>
              <ol className="gf-detail__list">
                {fallbacks.map((fallback, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list is the fixed order the providers were tried in
                  <li key={index} title={fallback.message}>
                    {answeredBy(fallback)} <code>{fallback.code}</code>
                  </li>
                ))}
              </ol>
            </dd>
          </>
        )}
        {error?.details && (
          <>
            <dt>Details</dt>
            <dd>
              <pre className="gf-detail__json">{JSON.stringify(error.details, null, 2)}</pre>
            </dd>
          </>
        )}
      </dl>
      <h3 className="gf-panel__subtitle">Logs</h3>
      {nodeLogs.length === 0 ? (
        <p className="gf-panel__empty">No log lines for this node.</p>
      ) : (
        <ol className="gf-logs">
          {nodeLogs.map((entry, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines are append-only; their position is their identity
            <li key={`${entry.at}-${index}`} className={`gf-logs__line gf-logs__line--${entry.level}`}>
              <time>{time(entry.at)}</time> <span className="gf-logs__level">{entry.level}</span> {entry.message}
            </li>
          ))}
        </ol>
      )}
    </SidePanel>
  );
}
