import type { NodeRunStatus } from '../../types';

export interface StatusBadgeProps {
  /** The node's run status; nothing renders without one. */
  status: NodeRunStatus | undefined;
  /** The attempt in progress, shown while retrying. Default 1. */
  attempt?: number;
  /** The output was reused from an earlier run. Default false. */
  reused?: boolean;
}

const LABELS: Record<NodeRunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  retrying: 'Retrying',
  success: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  canceled: 'Canceled',
};

/** A node's run status as a coloured pill. */
export function StatusBadge({ status, attempt = 1, reused = false }: StatusBadgeProps) {
  if (!status) return null;
  const text =
    status === 'retrying' ? `Retrying (attempt ${attempt})` : status === 'success' && reused ? 'Reused' : LABELS[status];
  return (
    <span className={`gf-badge gf-badge--${status}`} data-status={status}>
      {text}
    </span>
  );
}
