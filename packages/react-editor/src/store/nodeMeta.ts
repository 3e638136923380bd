import type { NodeMeta, NodeMetaFallback } from '@galaxyflow/engine';

/**
 * Who answered (or, for a fallback, who was asked), as a short line: `gemini · gemini-2.5-flash`,
 * or whichever of the two is known; undefined when neither is (every non-AI node). Meta comes
 * from host nodes and stored JSON too, so only string values count.
 */
export function answeredBy(
  meta: Pick<NodeMeta, 'provider' | 'model'> | undefined,
): string | undefined {
  const parts = [meta?.provider, meta?.model].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** The providers that failed before the one that answered, in order; well-formed entries only. */
export function fallbacksOf(meta: NodeMeta | undefined): NodeMetaFallback[] {
  const list: unknown = meta?.fallbacks;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (entry): entry is NodeMetaFallback =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as NodeMetaFallback).provider === 'string' &&
      typeof (entry as NodeMetaFallback).code === 'string',
  );
}
