import * as z from 'zod';
import type { NodeResult } from './model';

/** A provider and model that answered at least one call of a run. */
export const RunModelSchema = z.object({ provider: z.string(), model: z.string() });

/**
 * What a run's model calls used, summed over its nodes' results (`NodeMeta.usage` and
 * `costUsd`): results reused from an earlier run are not counted, they made no call.
 */
export const RunUsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  /** USD at the price table the run used; calls to models it does not price count nothing. */
  costUsd: z.number().min(0),
  /** Node results that made a counted call. */
  calls: z.number().int().min(0),
  /** True when some count is an estimate (a provider reported none). */
  estimated: z.boolean(),
  /** Who answered, each once, in the order first seen. */
  models: z.array(RunModelSchema),
});
export type RunUsage = z.infer<typeof RunUsageSchema>;

/** A run's usage from its node results (`RunSnapshot.nodes`); all zero when no model was called. */
export function sumRunUsage(nodes: Readonly<Record<string, NodeResult>> | readonly NodeResult[]): RunUsage {
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
