import type { Usage } from './types';

/** What one model costs, in US dollars per million tokens. */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  inputPerMillion: number;
  /** USD per million output tokens (for image models, the image tokens they draw). */
  outputPerMillion: number;
}

/**
 * Prices per provider and model, with the day they were read. A host passes its own (its
 * negotiated rates, a model the defaults lack) through the run context's `prices`, merged
 * over the defaults with `mergePriceTables`.
 */
export interface PriceTable {
  /** The day the prices were read from the providers' price pages, `YYYY-MM-DD`. */
  asOf: string;
  /** Prices by provider name, then by model id. */
  models: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>>;
}

const price = (inputPerMillion: number, outputPerMillion: number): ModelPrice => ({
  inputPerMillion,
  outputPerMillion,
});

/**
 * List prices of common models, standard tier, text in and out (Gemini 2.5 Pro at its
 * price for prompts up to 200k tokens). Prices change: a host that bills by these should
 * check them and pass its own table. Models a server runs itself (an OpenAI-compatible
 * local server) cost nothing here unless the host prices them.
 */
export const defaultPriceTable: PriceTable = Object.freeze({
  asOf: '2025-09-01',
  models: Object.freeze({
    gemini: Object.freeze({
      'gemini-2.5-pro': price(1.25, 10),
      'gemini-2.5-flash': price(0.3, 2.5),
      'gemini-2.5-flash-lite': price(0.1, 0.4),
      'gemini-2.0-flash': price(0.1, 0.4),
      'gemini-2.0-flash-lite': price(0.075, 0.3),
      'gemini-2.5-flash-image': price(0.3, 30),
    }),
    groq: Object.freeze({
      'llama-3.3-70b-versatile': price(0.59, 0.79),
      'llama-3.1-8b-instant': price(0.05, 0.08),
      'openai/gpt-oss-120b': price(0.15, 0.75),
      'openai/gpt-oss-20b': price(0.1, 0.5),
      'meta-llama/llama-4-scout-17b-16e-instruct': price(0.11, 0.34),
      'meta-llama/llama-4-maverick-17b-128e-instruct': price(0.2, 0.6),
      'qwen/qwen3-32b': price(0.29, 0.59),
    }),
    openai: Object.freeze({
      'gpt-4o': price(2.5, 10),
      'gpt-4o-mini': price(0.15, 0.6),
      'gpt-4.1': price(2, 8),
      'gpt-4.1-mini': price(0.4, 1.6),
      'gpt-4.1-nano': price(0.1, 0.4),
      'gpt-5': price(1.25, 10),
      'gpt-5-mini': price(0.25, 2),
      'gpt-5-nano': price(0.05, 0.4),
    }),
  }),
});

/** A host's table over a base one: its models replace or join the base's, its date wins. */
export function mergePriceTables(base: PriceTable, override: Partial<PriceTable>): PriceTable {
  const models: Record<string, Record<string, ModelPrice>> = {};
  for (const [provider, prices] of Object.entries(base.models)) models[provider] = { ...prices };
  for (const [provider, prices] of Object.entries(override.models ?? {})) {
    models[provider] = { ...models[provider], ...prices };
  }
  return { asOf: override.asOf ?? base.asOf, models };
}

/**
 * The price of a model, or undefined when the table does not know it. A dated or suffixed
 * id (`gemini-2.5-flash-001`, `gpt-4o-2024-08-06`) takes the price of the longest listed id
 * it starts with. A model asked of the `openai-compatible` provider is looked up under its
 * own name first, then under `openai` (the same ids on OpenAI's own API).
 */
export function priceOf(
  table: PriceTable,
  provider: string,
  model: string,
): ModelPrice | undefined {
  const lookIn = provider === 'openai-compatible' ? [provider, 'openai'] : [provider];
  for (const name of lookIn) {
    const prices = table.models[name];
    if (!prices) continue;
    const exact = prices[model];
    if (exact) return exact;
    let best: string | undefined;
    for (const id of Object.keys(prices)) {
      if (model.startsWith(`${id}-`) && (best === undefined || id.length > best.length)) best = id;
    }
    if (best !== undefined) return prices[best];
  }
  return undefined;
}

/** What tokens cost at a price, in USD (rounded to a millionth of a cent). */
export function costOf(
  price: ModelPrice,
  tokens: { inputTokens: number; outputTokens: number },
): number {
  const usd =
    (tokens.inputTokens * price.inputPerMillion + tokens.outputTokens * price.outputPerMillion) /
    1_000_000;
  return Math.round(usd * 1e8) / 1e8;
}

/** Tokens an image counts as input, the order of magnitude providers bill for a picture. */
export const IMAGE_INPUT_TOKENS = 258;

/**
 * A rough count of the tokens in a text, for budgets before a call and for a provider that
 * reports none: four characters a token, the usual rule of thumb for English.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** Token counts of one call as a node records them: the provider's, or estimates flagged. */
export interface CountedUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** True when a count is an estimate (the provider reported none). */
  estimated?: true;
}

/** The provider's counts, with estimates filling what it did not report (and flagged). */
export function countUsage(
  reported: Usage | undefined,
  estimate: { inputTokens: number; outputTokens: number },
): CountedUsage {
  const input = reported?.inputTokens;
  // Thinking models (Gemini 2.5) report their thoughts only in the total; they are billed as
  // output, so the output is what the total holds beyond the input.
  const total = reported?.totalTokens;
  const output =
    input !== undefined && total !== undefined && reported?.outputTokens !== undefined
      ? Math.max(reported.outputTokens, total - input)
      : reported?.outputTokens;
  const inputTokens = input ?? estimate.inputTokens;
  const outputTokens = output ?? estimate.outputTokens;
  const counted: CountedUsage = {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
  };
  if (input === undefined || output === undefined) counted.estimated = true;
  return counted;
}
