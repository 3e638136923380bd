import type { RunContext } from '../types';
import type { ModelCallBudget } from './budget';
import type { FileLoader, FileSaver, ImageFetcher } from './images';
import type { PriceTable } from './pricing';
import type { ProviderSet } from './providerSet';

/** The host services the LLM and Vision nodes read from `runWorkflow`'s `context`. */
export interface LLMRunContext {
  /** The configured providers (`createProviderSet` or `createProvidersFromEnv`). */
  providers?: ProviderSet;
  /** Downloads image URLs for the Vision node (`createImageFetcher` from `@galaxyflow/engine/node`). Default: URLs are refused, data URLs work. */
  fetchImage?: ImageFetcher;
  /**
   * Reads uploaded files (`galaxy-file:<id>` image values) for the Vision node, as the run's
   * owner (`userId`). Default: file references are refused.
   */
  loadFile?: FileLoader;
  /**
   * Stores generated images for the image generation node as files of the run's owner
   * (`createFileSaver` from `@galaxyflow/server-adapter`). Default: generated images flow on as
   * data URLs.
   */
  saveFile?: FileSaver;
  /** The run's id, recorded on files the run makes. Servers set it (the server adapter's worker does). Default: none. */
  runId?: string;
  /**
   * Whom the run is for. The LLM and Vision nodes pass it with each call, and the provider set
   * caps each user's calls in flight per provider (`perUserConcurrency`), so one user's burst
   * cannot take the server's shared key from everyone. Servers set the run owner's id (the
   * server adapter's worker does). Default: none, and calls are not capped per user.
   */
  userId?: string;
  /**
   * Asked before every model call of the LLM, Vision and image generation nodes; refuses a
   * call past the host's limit (`E_BUDGET_EXCEEDED`) before any request is made. Servers set
   * one per run when the host sets budgets (the server adapter's worker does). Default: none.
   */
  budget?: ModelCallBudget;
  /** Prices that give each call its `costUsd` (`mergePriceTables` over the defaults). Default `defaultPriceTable`. */
  prices?: PriceTable;
  /** Output tokens a call without `maxTokens` holds in the budget before it answers. Default 4096. */
  maxOutputTokens?: number;
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

/** The file loader in a run's context, or undefined. */
export function getFileLoader(context: RunContext): FileLoader | undefined {
  return typeof context.loadFile === 'function' ? (context.loadFile as FileLoader) : undefined;
}

/** The user a run is for, or undefined when the host named none. */
export function getUserId(context: RunContext): string | undefined {
  return typeof context.userId === 'string' && context.userId !== '' ? context.userId : undefined;
}

/** The file saver in a run's context, or undefined. */
export function getFileSaver(context: RunContext): FileSaver | undefined {
  return typeof context.saveFile === 'function' ? (context.saveFile as FileSaver) : undefined;
}

/** The run id the host put in the context, or undefined. */
export function getRunId(context: RunContext): string | undefined {
  return typeof context.runId === 'string' && context.runId !== '' ? context.runId : undefined;
}
