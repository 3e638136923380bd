import { compareUsageRows, type LedgerEntry, roundUsd, sumTotals, zeroTotals } from './ledger';
import type { UsageQuery, UsageRow, UsageStore, UsageTotals } from './types';

interface DailyRow extends UsageTotals {
  ownerId: string;
  day: string;
  workflowId: string | null;
  provider: string;
  model: string;
}

/** The memory store's ledger: daily rows in a map, and the run and node pairs already counted. */
export interface MemoryUsage extends UsageStore {
  /** Adds a result's entry once per run and node; false when that pair was counted before. */
  add(
    key: { runId: string; nodeId: string },
    where: { ownerId: string; workflowId: string | null; day: string },
    entry: LedgerEntry,
  ): boolean;
}

export function createMemoryUsage(): MemoryUsage {
  const counted = new Set<string>();
  const daily = new Map<string, DailyRow>();

  function rowsOf(query: { ownerId?: string; from: string; to: string }): DailyRow[] {
    return [...daily.values()].filter(
      (row) =>
        (query.ownerId === undefined || row.ownerId === query.ownerId) &&
        row.day >= query.from &&
        row.day <= query.to,
    );
  }

  return {
    add(key, where, entry) {
      const pair = `${key.runId}\u0000${key.nodeId}`;
      if (counted.has(pair)) return false;
      counted.add(pair);
      const id = [
        where.ownerId,
        where.day,
        where.workflowId ?? '',
        entry.provider,
        entry.model,
      ].join('\u0000');
      const row = daily.get(id) ?? {
        ...zeroTotals(),
        ownerId: where.ownerId,
        day: where.day,
        workflowId: where.workflowId,
        provider: entry.provider,
        model: entry.model,
      };
      row.inputTokens += entry.inputTokens;
      row.outputTokens += entry.outputTokens;
      row.costUsd = roundUsd(row.costUsd + entry.costUsd);
      row.calls += 1;
      row.estimatedCalls += entry.estimated;
      daily.set(id, row);
      return true;
    },

    async listUsage(query: UsageQuery) {
      const groups = new Map<string, { row: UsageRow; members: DailyRow[] }>();
      for (const row of rowsOf(query)) {
        const key: UsageRow = zeroTotals();
        if (query.groupBy === 'day') key.day = row.day;
        else if (query.groupBy === 'workflow') key.workflowId = row.workflowId;
        else {
          key.provider = row.provider;
          key.model = row.model;
        }
        if (query.ownerId === undefined) key.ownerId = row.ownerId;
        const id = [key.day, key.workflowId, key.provider, key.model, key.ownerId].join('\u0000');
        const group = groups.get(id) ?? { row: key, members: [] };
        group.members.push(row);
        groups.set(id, group);
      }
      return [...groups.values()]
        .map(({ row, members }) => ({ ...row, ...sumTotals(members) }))
        .sort(compareUsageRows);
    },

    async usageTotals(ownerId, from, to) {
      return sumTotals(rowsOf({ ownerId, from, to }));
    },
  };
}
