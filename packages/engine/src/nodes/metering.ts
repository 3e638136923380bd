import {
  type BudgetReservation,
  getBudget,
  getPriceTable,
  type ModelCallEstimate,
} from '../providers/budget';
import { type CountedUsage, costOf, countUsage, priceOf } from '../providers/pricing';
import type { Usage } from '../providers/types';
import type { RunContext } from '../types';

/** What a metered call used: counts (flagged when estimated) and, when the model is priced, USD. */
export interface MeteredUsage {
  usage: CountedUsage;
  costUsd?: number;
}

/**
 * Asks the run's budget for room before a provider call; undefined when the host set none.
 * Throws the budget's refusal (`E_BUDGET_EXCEEDED`): the call must not be made.
 */
export async function reserveModelCall(
  context: RunContext,
  call: Omit<ModelCallEstimate, 'maxCostUsd'>,
): Promise<BudgetReservation | undefined> {
  const budget = getBudget(context);
  if (!budget) return undefined;
  const price = priceOf(getPriceTable(context), call.provider, call.model);
  return budget.reserve({
    ...call,
    maxCostUsd: price
      ? costOf(price, { inputTokens: call.inputTokens, outputTokens: call.maxOutputTokens })
      : undefined,
  });
}

/**
 * The usage and cost of a call that answered, from the provider's counts (estimates filling
 * what it did not report), priced by the run's table; settles the call's reservation with them.
 */
export function meterCall(
  context: RunContext,
  reservation: BudgetReservation | undefined,
  answered: { provider: string; model: string; usage?: Usage | undefined },
  estimate: { inputTokens: number; outputTokens: number },
): MeteredUsage {
  const usage = countUsage(answered.usage, estimate);
  const price = priceOf(getPriceTable(context), answered.provider, answered.model);
  const metered: MeteredUsage = { usage };
  if (price) metered.costUsd = costOf(price, usage);
  reservation?.settle({
    provider: answered.provider,
    model: answered.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: metered.costUsd,
    estimated: usage.estimated === true,
  });
  return metered;
}
