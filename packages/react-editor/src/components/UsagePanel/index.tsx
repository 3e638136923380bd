import type { BudgetStanding } from '@galaxyflow/engine';
import { useUsage } from '../../hooks/useUsage';
import { formatTokens, formatUsd } from '../../store/usageFormat';
import { SidePanel } from '../SidePanel';
import { UsageChart } from '../UsageChart';

export interface UsagePanelProps {
  /** Days shown, today included. Default 30. */
  days?: number;
}

const LIMIT_NAMES: Record<BudgetStanding['limit'], string> = {
  dailyTokens: 'Today',
  monthlyTokens: 'This month',
  dailyCostUsd: 'Today',
  monthlyCostUsd: 'This month',
};

function standing(budget: BudgetStanding): string {
  const tokens = budget.limit.endsWith('Tokens');
  const show = (value: number) => (tokens ? `${formatTokens(value)} tokens` : formatUsd(value));
  return `${LIMIT_NAMES[budget.limit]}: ${show(budget.used)} of ${show(budget.max)} (resets ${new Date(budget.resetsAt).toLocaleString()})`;
}

/** The user's model calls over the last days: a chart of daily tokens and cost, totals and limits. */
export function UsagePanel({ days = 30 }: UsagePanelProps) {
  const { data, loading, error } = useUsage(days);
  const total = data?.total;
  return (
    <SidePanel title="Usage">
      {error && (
        <p className="gf-panel__error" role="alert">
          Could not load usage: {error}
        </p>
      )}
      {loading && !data && <p className="gf-panel__empty">Loading…</p>}
      {data && total && (
        <>
          <p className="gf-usage__summary">
            Last {days} days:{' '}
            <strong>
              {(total.inputTokens + total.outputTokens).toLocaleString('en-US')} tokens
            </strong>
            , <strong>{formatUsd(total.costUsd)}</strong> in {total.calls} model call
            {total.calls === 1 ? '' : 's'}
            {total.estimatedCalls > 0 && ` (${total.estimatedCalls} estimated)`}.
          </p>
          <UsageChart report={data} />
          <p className="gf-preview__caption">
            Bars: tokens a day. Line: cost a day. Prices as of {data.pricesAsOf}.
          </p>
          {data.budgets.length > 0 && (
            <ul className="gf-usage__budgets" aria-label="Limits">
              {data.budgets.map((budget) => (
                <li key={budget.limit}>{standing(budget)}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </SidePanel>
  );
}
