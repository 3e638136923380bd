import { compareUsageRows, roundUsd } from '../ledger';
import type { UsageQuery, UsageRow, UsageStore, UsageTotals } from '../types';
import { all, get, type SqlContext } from './query';
import type { Row } from './rows';

const SUMS = `SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(cost_usd) AS cost_usd, SUM(calls) AS calls, SUM(estimated_calls) AS estimated_calls`;
const TOTALS = `SELECT ${SUMS} FROM usage_daily WHERE owner_id = @ownerId AND day >= @from AND day <= @to`;

const GROUP_COLUMNS = {
  day: ['day'],
  workflow: ['workflow_key'],
  model: ['provider', 'model'],
} as const;

function totalsOf(row: Row | undefined): UsageTotals {
  return {
    inputTokens: Number(row?.input_tokens ?? 0),
    outputTokens: Number(row?.output_tokens ?? 0),
    costUsd: roundUsd(Number(row?.cost_usd ?? 0)),
    calls: Number(row?.calls ?? 0),
    estimatedCalls: Number(row?.estimated_calls ?? 0),
  };
}

/** The ledger's reads; its writes go with node results (`createProgressWriter`). */
export function createSqlUsage({ db }: SqlContext): UsageStore {
  return {
    async listUsage(query: UsageQuery) {
      const columns: string[] = [...GROUP_COLUMNS[query.groupBy]];
      if (query.ownerId === undefined) columns.push('owner_id');
      const where =
        query.ownerId === undefined
          ? 'day >= @from AND day <= @to'
          : 'owner_id = @ownerId AND day >= @from AND day <= @to';
      const sql = `SELECT ${columns.join(', ')}, ${SUMS} FROM usage_daily WHERE ${where}
        GROUP BY ${columns.join(', ')}`;
      const params: Record<string, string> = { from: query.from, to: query.to };
      if (query.ownerId !== undefined) params.ownerId = query.ownerId;
      const rows = await db.read(() => all(sql, params));
      return rows
        .map((row): UsageRow => {
          const out: UsageRow = totalsOf(row);
          if (query.groupBy === 'day') out.day = row.day as string;
          else if (query.groupBy === 'workflow')
            out.workflowId = (row.workflow_key as string) || null;
          else {
            out.provider = row.provider as string;
            out.model = row.model as string;
          }
          if (query.ownerId === undefined) out.ownerId = row.owner_id as string;
          return out;
        })
        .sort(compareUsageRows);
    },

    async usageTotals(ownerId, from, to) {
      return totalsOf(await db.read(() => get(TOTALS, { ownerId, from, to })));
    },
  };
}
