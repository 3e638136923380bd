import type { NodeResultInput, UsageRow, UsageTotals } from './types';

/** What one node result adds to the ledger. */
export interface LedgerEntry {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** 1 when the counts are estimates. */
  estimated: 0 | 1;
}

/**
 * What a node result adds to the ledger, or undefined when it made no counted call: still
 * running, reused from an earlier run (no call was made), or without `meta.usage`.
 */
export function ledgerEntryOf(result: NodeResultInput): LedgerEntry | undefined {
  const meta = result.meta;
  if (result.status === 'RUNNING' || result.reused || !meta?.usage) return undefined;
  return {
    provider: meta.provider ?? '',
    model: meta.model ?? '',
    inputTokens: Math.max(0, Math.round(meta.usage.inputTokens ?? 0)),
    outputTokens: Math.max(0, Math.round(meta.usage.outputTokens ?? 0)),
    costUsd: Math.max(0, meta.costUsd ?? 0),
    estimated: meta.usage.estimated ? 1 : 0,
  };
}

/** The UTC day of an epoch ms time, `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day a result's usage is counted on: the day it ended (the worker's clock), else `now`. */
export function ledgerDayOf(result: NodeResultInput, now: number): string {
  return dayOf(result.finishedAt ?? now);
}

export const zeroTotals = (): UsageTotals => ({
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  calls: 0,
  estimatedCalls: 0,
});

/** Rounds a sum of costs to a millionth of a cent, so float noise does not show. */
export const roundUsd = (usd: number): number => Math.round(usd * 1e8) / 1e8;

/** The sum of rows. */
export function sumTotals(rows: readonly UsageTotals[]): UsageTotals {
  const total = zeroTotals();
  for (const row of rows) {
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.costUsd += row.costUsd;
    total.calls += row.calls;
    total.estimatedCalls += row.estimatedCalls;
  }
  total.costUsd = roundUsd(total.costUsd);
  return total;
}

/** The order of a report's rows: by day, by workflow id (unsaved graphs first), by provider then model; then by owner. */
export function compareUsageRows(a: UsageRow, b: UsageRow): number {
  const key = (row: UsageRow) =>
    [
      row.day ?? '',
      row.workflowId ?? '',
      row.provider ?? '',
      row.model ?? '',
      row.ownerId ?? '',
    ].join('\u0000');
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
