import type { NodeRunState } from '../../types';
import { formatDuration, formatTokens, formatUsd, nodeUsageOf } from '../../store/usageFormat';

export interface NodeFiguresProps {
  /** The node's run state; nothing renders until it has ended with a duration or a model call. */
  state: NodeRunState | undefined;
}

const ENDED = new Set(['success', 'failed', 'canceled']);

/**
 * One compact line under a finished node: how long it took and, for a model call, its tokens
 * and cost (`~` marks estimated counts); the exact figures are in its tooltip.
 */
export function NodeFigures({ state }: NodeFiguresProps) {
  if (!state || !ENDED.has(state.status) || state.reused) return null;
  const usage = nodeUsageOf(state.meta);
  if (state.durationMs === undefined && !usage) return null;
  const parts: string[] = [];
  const details: string[] = [];
  if (state.durationMs !== undefined) parts.push(formatDuration(state.durationMs));
  if (usage) {
    const mark = usage.estimated ? '~' : '';
    parts.push(`${mark}${formatTokens(usage.inputTokens + usage.outputTokens)} tokens`);
    details.push(
      `${usage.inputTokens.toLocaleString('en-US')} in + ${usage.outputTokens.toLocaleString('en-US')} out${usage.estimated ? ' (estimated: the provider reported no counts)' : ''}`,
    );
    if (usage.costUsd !== undefined) {
      parts.push(formatUsd(usage.costUsd));
      details.push(`$${usage.costUsd} at the server's prices`);
    } else details.push('model not priced');
  }
  return (
    <p
      className="gf-node__figures"
      data-testid="gf-node-figures"
      title={details.join('; ') || undefined}
    >
      {parts.join(' · ')}
    </p>
  );
}
