import type { NodeMeta } from '@galaxyflow/engine';

/** A duration for a status line: `850 ms`, `1.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** A token count, compact: `850`, `12.3k`, `1.2M`. */
export function formatTokens(tokens: number): string {
  if (tokens < 1_000) return String(Math.round(tokens));
  if (tokens < 1_000_000) return `${(tokens / 1_000).toFixed(tokens < 10_000 ? 1 : 0)}k`;
  return `${(tokens / 1_000_000).toFixed(1)}M`;
}

/** US dollars: cents for a dollar and up, two significant digits below a cent (`$0.00042`). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3)}`;
  return `$${Number(usd.toPrecision(2)).toFixed(Math.max(2, 1 - Math.floor(Math.log10(usd))))}`;
}

/** A node's model call figures, read from its meta (which may come from stored JSON or a host's node). */
export interface NodeUsage {
  inputTokens: number;
  outputTokens: number;
  /** Undefined when the model is not priced. */
  costUsd: number | undefined;
  /** The counts are estimates. */
  estimated: boolean;
}

/** What a node's model call used, or undefined when it made none. */
export function nodeUsageOf(meta: NodeMeta | undefined): NodeUsage | undefined {
  const usage = meta?.usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const input = typeof usage.inputTokens === 'number' ? usage.inputTokens : 0;
  const output = typeof usage.outputTokens === 'number' ? usage.outputTokens : 0;
  return {
    inputTokens: input,
    outputTokens: output,
    costUsd: typeof meta?.costUsd === 'number' ? meta.costUsd : undefined,
    estimated: usage.estimated === true,
  };
}
