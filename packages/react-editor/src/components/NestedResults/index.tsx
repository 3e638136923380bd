import type { NodeRunState } from '../../types';

export interface NestedResultsProps {
  /**
   * The node's run state: a Map node's `meta.items`, a Workflow node's `meta.child` or, while
   * it runs, its sub-workflow's live `children`. Nothing renders without any of them.
   */
  state: NodeRunState | undefined;
}

interface ItemEntry {
  status: string;
  durationMs?: number;
  error?: { code: string; message: string };
}
interface ChildRun {
  workflowId?: string;
  version?: number;
  status?: string;
  nodes?: Record<string, { status: string; error?: { message: string } }>;
}

/** Most rows drawn per list: a Map over thousands of items shows its first ones and a count. */
const MAX_ROWS = 200;

function statusClass(status: string): string {
  return `gf-nested__status gf-nested__status--${status.toLowerCase()}`;
}

/**
 * What a node that ran others did, under its output: a Map node's items (status, time, error)
 * and a Workflow node's sub-workflow run (each of its nodes' status), folded by default.
 */
export function NestedResults({ state }: NestedResultsProps) {
  const meta = state?.meta;
  const items = Array.isArray(meta?.items) ? (meta.items as (ItemEntry | null)[]) : undefined;
  const child =
    meta?.child !== null && typeof meta?.child === 'object' ? (meta.child as ChildRun) : undefined;
  if (items) {
    const counts = { ok: 0, failed: 0, canceled: 0, notRun: 0 };
    for (const item of items) {
      if (!item) counts.notRun++;
      else if (item.status === 'SUCCESS') counts.ok++;
      else if (item.status === 'FAILED') counts.failed++;
      else counts.canceled++;
    }
    const parts = [`${counts.ok} ok`];
    if (counts.failed) parts.push(`${counts.failed} failed`);
    if (counts.canceled) parts.push(`${counts.canceled} canceled`);
    if (counts.notRun) parts.push(`${counts.notRun} not run`);
    return (
      <details className="gf-nested nodrag nowheel">
        <summary>Items: {parts.join(', ')}</summary>
        <ol className="gf-nested__list" start={0}>
          {items.slice(0, MAX_ROWS).map((item, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items are identified by their index
            <li key={index} className="gf-nested__row">
              <span className="gf-nested__key">#{index + 1}</span>
              {item ? (
                <>
                  <span className={statusClass(item.status)}>{item.status.toLowerCase()}</span>
                  {item.durationMs !== undefined && (
                    <span className="gf-nested__time">{item.durationMs} ms</span>
                  )}
                  {item.error && <span className="gf-nested__error">{item.error.message}</span>}
                </>
              ) : (
                <span className="gf-nested__status">not run</span>
              )}
            </li>
          ))}
        </ol>
        {items.length > MAX_ROWS && (
          <p className="gf-field__help">and {items.length - MAX_ROWS} more.</p>
        )}
      </details>
    );
  }
  if (child?.nodes) {
    const nodes = Object.entries(child.nodes);
    return (
      <details className="gf-nested nodrag nowheel">
        <summary>
          Sub-workflow {child.workflowId}@{child.version}: {child.status?.toLowerCase()}
        </summary>
        <ul className="gf-nested__list">
          {nodes.slice(0, MAX_ROWS).map(([id, result]) => (
            <li key={id} className="gf-nested__row">
              <span className="gf-nested__key">{id}</span>
              <span className={statusClass(result.status)}>{result.status.toLowerCase()}</span>
              {result.error && <span className="gf-nested__error">{result.error.message}</span>}
            </li>
          ))}
        </ul>
      </details>
    );
  }
  if (state?.children) {
    const nodes = Object.entries(state.children);
    return (
      <details className="gf-nested nodrag nowheel" open>
        <summary>
          Sub-workflow: {nodes.filter(([, child]) => child.status === 'success').length} of{' '}
          {nodes.length} nodes done
        </summary>
        <ul className="gf-nested__list">
          {nodes.slice(0, MAX_ROWS).map(([id, child]) => (
            <li key={id} className="gf-nested__row">
              <span className="gf-nested__key">{id}</span>
              <span className={statusClass(child.status)}>{child.status}</span>
              {child.error && <span className="gf-nested__error">{child.error.message}</span>}
            </li>
          ))}
        </ul>
      </details>
    );
  }
  return null;
}
