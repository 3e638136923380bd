import type { RunContext } from '../types';
import type { ImageFetcher } from './images';
import type { ProviderSet } from './providerSet';

/** The host services the LLM and Vision nodes read from `runWorkflow`'s `context`. */
export interface LLMRunContext {
  /** The configured providers (`createProviderSet` or `createProvidersFromEnv`). */
  providers?: ProviderSet;
  /** Downloads image URLs for the Vision node (`createImageFetcher` from `@galaxyflow/engine/node`). Default: URLs are refused, data URLs work. */
  fetchImage?: ImageFetcher;
}

/**
 * Types the LLM services for `runWorkflow`'s `context`, merging with the host's own keys:
 * `runWorkflow(wf, { registry, context: llmContext({ providers, fetchImage }, { db }) })`.
 */
export function llmContext(services: LLMRunContext, rest: RunContext = {}): RunContext {
  return { ...rest, ...services };
}

function isProviderSet(value: unknown): value is ProviderSet {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProviderSet).generate === 'function' &&
    typeof (value as ProviderSet).get === 'function'
  );
}

/** The provider set in a run's context, or undefined when the host configured none. */
export function getProviderSet(context: RunContext): ProviderSet | undefined {
  return isProviderSet(context.providers) ? context.providers : undefined;
}

/** The image fetcher in a run's context, or undefined. */
export function getImageFetcher(context: RunContext): ImageFetcher | undefined {
  return typeof context.fetchImage === 'function'
    ? (context.fetchImage as ImageFetcher)
    : undefined;
}
