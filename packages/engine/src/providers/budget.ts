import type { RunContext } from '../types';
import { defaultPriceTable, type PriceTable } from './pricing';

/** A model call about to be made, as a budget weighs it. */
export interface ModelCallEstimate {
  /** The node making the call. */
  nodeId: string;
  /** The provider and model asked for (the call may fall back to another). */
  provider: string;
  model: string;
  /** Input tokens, estimated from the prompt, system text and images. */
  inputTokens: number;
  /** The most output tokens the call may produce: the node's `maxTokens`, or the host's default. */
  maxOutputTokens: number;
  /** The most the call may cost in USD at the table's price; undefined when the model is not priced. */
  maxCostUsd: number | undefined;
}

/** What a call used, once it answered. */
export interface ModelCallSpend {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** USD at the table's price; undefined when the model is not priced. */
  costUsd: number | undefined;
  /** True when the counts are estimates (the provider reported none). */
  estimated: boolean;
}

/** A call's place in a budget, held from before the call until it has answered or failed. */
export interface BudgetReservation {
  /** The call ended: what it used (undefined when it failed before answering). Called once. */
  settle(spent: ModelCallSpend | undefined): void;
}

/**
 * A host's spending limit, asked by the LLM, Vision and image generation nodes before every
 * provider call (the run context's `budget`). `reserve` throws (a `GalaxyError` with code
 * `E_BUDGET_EXCEEDED` naming the limit and when it resets) to refuse the call: no request is
 * made and the node fails. A call it admits holds its estimate until it settles, so calls
 * running at once cannot together pass the limit by more than what they may still produce.
 * The engine knows nothing of where the spending is kept.
 */
export interface ModelCallBudget {
  reserve(call: ModelCallEstimate): BudgetReservation | Promise<BudgetReservation>;
}

/** The output tokens a call is assumed to use at most when its node sets no `maxTokens`. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

function isBudget(value: unknown): value is ModelCallBudget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ModelCallBudget).reserve === 'function'
  );
}

/** The budget in a run's context, or undefined when the host set none. */
export function getBudget(context: RunContext): ModelCallBudget | undefined {
  return isBudget(context.budget) ? context.budget : undefined;
}

/** The price table in a run's context, or the shipped defaults. */
export function getPriceTable(context: RunContext): PriceTable {
  const prices = context.prices as PriceTable | undefined;
  return typeof prices === 'object' && prices !== null && typeof prices.models === 'object'
    ? prices
    : defaultPriceTable;
}

/** The output tokens a call without `maxTokens` reserves: the context's `maxOutputTokens`, or 4096. */
export function getDefaultMaxOutputTokens(context: RunContext): number {
  const value = context.maxOutputTokens;
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? value
    : DEFAULT_MAX_OUTPUT_TOKENS;
}
