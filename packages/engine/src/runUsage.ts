import * as z from 'zod';
import { EpochMsSchema, type NodeResult, type RunUsage } from './model';

export { RunModelSchema, RunUsageSchema } from './model';
export type { RunUsage } from './model';

/** A run's usage from its node results (`RunSnapshot.nodes`); all zero when no model was called. */
export function sumRunUsage(
  nodes: Readonly<Record<string, NodeResult>> | readonly NodeResult[],
): RunUsage {
  const total: RunUsage = {
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    calls: 0,
    estimated: false,
    models: [],
  };
  const seen = new Set<string>();
  for (const result of Array.isArray(nodes) ? nodes : Object.values(nodes)) {
    const meta = result.meta;
    if (result.reused || !meta?.usage) continue;
    total.inputTokens += meta.usage.inputTokens ?? 0;
    total.outputTokens += meta.usage.outputTokens ?? 0;
    total.costUsd += meta.costUsd ?? 0;
    total.calls += 1;
    if (meta.usage.estimated) total.estimated = true;
    if (meta.provider !== undefined && meta.model !== undefined) {
      const key = `${meta.provider}\u0000${meta.model}`;
      if (!seen.has(key)) {
        seen.add(key);
        total.models.push({ provider: meta.provider, model: meta.model });
      }
    }
  }
  total.costUsd = Math.round(total.costUsd * 1e8) / 1e8;
  return total;
}

/** A UTC calendar day, `YYYY-MM-DD`: the unit usage is kept and budgets reset by. */
export const UsageDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .describe('UTC day, YYYY-MM-DD');

/** How `/usage` groups its rows. */
export const UsageGroupBySchema = z.enum(['day', 'workflow', 'model']);

/** Token counts and cost of a set of model calls. */
export const UsageTotalsSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** USD at the price table of the worker that ran each call. */
  costUsd: z.number(),
  /** Node results that made a counted call. */
  calls: z.number().int(),
  /** How many of those counted estimates (the provider reported no counts). */
  estimatedCalls: z.number().int(),
});

/**
 * One row of a usage report: the totals of one group. Only the fields of the grouping are
 * set: `day` by day, `workflowId` by workflow (null for unsaved graphs), `provider` and `model`
 * by model; `ownerId` in a host's report across users.
 */
export const UsageRowSchema = UsageTotalsSchema.extend({
  day: UsageDaySchema.optional(),
  workflowId: z.string().nullable().optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  ownerId: z.string().optional(),
});

/** Where a user stands against one of their spending limits. */
export const BudgetStandingSchema = z.object({
  /** Which limit. */
  limit: z.enum(['dailyTokens', 'monthlyTokens', 'dailyCostUsd', 'monthlyCostUsd']),
  /** The limit, in tokens or USD. */
  max: z.number(),
  /** Used in the period, in tokens or USD. */
  used: z.number(),
  /** When the period ends and the limit resets (the next UTC midnight, or the first of the next month). */
  resetsAt: EpochMsSchema,
});

/** What a server's `GET /usage` answers: the rows of the period, in key order, and their sum. */
export const UsageReportSchema = z.object({
  /** First day counted (UTC). */
  from: UsageDaySchema,
  /** Last day counted (UTC), included. */
  to: UsageDaySchema,
  groupBy: UsageGroupBySchema,
  rows: z.array(UsageRowSchema),
  total: UsageTotalsSchema,
  /** The day the server's price table was read (`PriceTable.asOf`). */
  pricesAsOf: z.string(),
  /** The caller's spending limits and where they stand now; empty when none applies. */
  budgets: z.array(BudgetStandingSchema),
});

export type UsageGroupBy = z.infer<typeof UsageGroupBySchema>;
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;
export type UsageRow = z.infer<typeof UsageRowSchema>;
export type UsageReport = z.infer<typeof UsageReportSchema>;
export type BudgetStanding = z.infer<typeof BudgetStandingSchema>;
