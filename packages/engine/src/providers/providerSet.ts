import { trace } from '@opentelemetry/api';
import { asSentence, type ErrorInfo, GalaxyError, toErrorInfo } from '../errors';
import { redactUrls } from '../redact';
import { computeBackoff, resolveRetryPolicy, sleep } from '../retry';
import type { RetryPolicy } from '../schema';
import { type ProviderCallTrace, startProviderSpan } from '../tracing';
import type { NodeMetaFallback } from '../types';
import { providerInfo } from './catalog';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitSync,
  createCircuitBreaker,
} from './circuitBreaker';
import { abortReason, providerError } from './errors';
import { type ConcurrencyLimiter, createConcurrencyLimiter } from './limiter';
import type {
  GenerateChunk,
  GeneratedImages,
  GenerateImageRequest,
  GenerateRequest,
  ImageData,
  LLMProvider,
  Usage,
} from './types';

/** How calls to one provider are guarded. Every field has a default. */
export interface ResilienceOptions {
  /**
   * Retries of one provider's retryable failures (429, 5xx, resets, timeouts, a stream cut off
   * before any text) before falling back. Default `{ maxAttempts: 3, backoffMs: 500, factor: 2,
   * maxBackoffMs: 8000, jitter: true }`. A server's `Retry-After` lengthens a wait (up to
   * `maxRetryAfterMs`), never shortens it. These are the only retries of a provider call: the
   * error a call ends with is final (`retryable: false`), so a node's own retry policy does not
   * multiply the HTTP calls and one node cannot trip the breaker alone.
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Longest `Retry-After` worth waiting for, in ms; a longer one moves on to the fallback at
   * once, or ends the call with an error that says when the provider takes requests again.
   * Default 30,000. The wait counts against the node's time limit (`nodeTimeoutMs`).
   */
  maxRetryAfterMs?: number;
  /** Time limit of one call, streaming included, in ms; 0 for none. Default 120,000. */
  timeoutMs?: number;
  /** Most calls in flight to this provider; the rest queue. Default 16. */
  maxConcurrency?: number;
  /** Circuit breaker settings, or `false` for none. Default `{ failureThreshold: 5, cooldownMs: 30000 }`. */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'now' | 'onChange'> | false;
}

/** A provider to try when the one before it failed for good; `model` defaults to that provider's default. */
export interface FallbackTarget {
  provider: string;
  model?: string;
}

export interface ProviderSetOptions {
  /** The providers, each with a unique `name`. */
  providers: readonly LLMProvider[];
  /**
   * Fallback chains keyed by primary provider, e.g. `{ gemini: ['groq'] }`: when every attempt
   * on the primary fails with a retryable error (or its circuit is open), the next one answers.
   * Default: none.
   */
  fallbacks?: Readonly<Record<string, readonly (string | FallbackTarget)[]>>;
  /** Guards for every provider. */
  resilience?: ResilienceOptions;
  /** Guards per provider name, over `resilience`. */
  perProvider?: Readonly<Record<string, ResilienceOptions>>;
  /** Clock in epoch ms, for the breakers. Default `Date.now`. */
  now?: () => number;
  /** Randomness in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Most calls one user has in flight to one provider; the user's other calls queue, first come
   * first served, while other users' calls go on. Keeps one user's burst from taking every slot
   * of the server's shared key. Keyed by the call's `userId` (the LLM and Vision nodes pass the
   * run context's `userId`); calls without one are not capped. Default 4; `Infinity` for no cap.
   */
  perUserConcurrency?: number;
  /**
   * Shares the circuit breakers with other processes (the server adapter's Redis
   * `createRedisCircuitSync`): a breaker that opens here opens in every process, one that a
   * trial call closes closes everywhere, and a new process starts with the breakers that are
   * open. Each process still counts its own consecutive failures. Default none: the breakers
   * are this process's own.
   */
  circuitSync?: CircuitSync;
}

/** Something that happened on the way to an answer, for the node's log. */
export type ProviderCallEvent =
  /** An attempt failed with a retryable error; the same provider is tried again after `delayMs`. */
  | {
      type: 'retry';
      provider: string;
      model: string;
      attempt: number;
      delayMs: number;
      error: ErrorInfo;
    }
  /** A provider failed for good; the next one in the chain is tried. */
  | { type: 'fallback'; from: string; to: string; model: string; error: ErrorInfo };

/** One call through the set: a provider name, and the model (default: that provider's). */
export interface ProviderCallRequest extends Omit<GenerateRequest, 'model'> {
  /** The provider to ask first. */
  provider: string;
  /** Model id. Default: the provider's default (its vision default when there are images). */
  model?: string;
  /** Sees retries and fallbacks as they happen. */
  onEvent?: (event: ProviderCallEvent) => void;
  /** Who the call is for: a user's calls share `perUserConcurrency` slots per provider. Default: nobody in particular (not capped). */
  userId?: string;
  /** The span each provider call is a child of (the LLM and Vision nodes pass their attempt's). Default: the active context. */
  trace?: ProviderCallTrace;
}

/** What a call through the set yields: text as it arrives, then one `finish` naming who answered. */
export type ProviderCallChunk =
  /** A piece of the answer, in order. */
  | { type: 'text'; text: string }
  /** The answer is complete. */
  | {
      type: 'finish';
      /** The provider that answered. */
      provider: string;
      /** The model that answered. */
      model: string;
      usage?: Usage;
      finishReason?: string;
      /** Attempts made on the provider that answered. */
      attempts: number;
      /** Providers that failed before it, in order. */
      fallbackFrom: string[];
      /** The same providers with the model asked for, the attempts made and why each failed. */
      fallbacks: NodeMetaFallback[];
    };

/** A finished answer, as `complete` returns it. */
export interface Completion {
  text: string;
  /** The provider that answered. */
  provider: string;
  /** The model that answered. */
  model: string;
  usage?: Usage;
  finishReason?: string;
  /** Attempts made on the provider that answered, its retries included. */
  attempts: number;
  /** Providers that failed before it, in order. */
  fallbackFrom: string[];
  /** The same providers with the model asked for, the attempts made and why each failed. */
  fallbacks: NodeMetaFallback[];
}

/** One image generation call through the set. */
export interface ImageCallRequest {
  /** The provider to ask; it must have `generateImage`. */
  provider: string;
  /** Image model id. Default: the provider's `defaultImageModel`. */
  model?: string;
  prompt: string;
  /** How many images, 1 to 4. */
  count: number;
  /** `WIDTHxHEIGHT`. Default: the model's. */
  size?: string;
  signal?: AbortSignal;
  /** Sees retries as they happen. */
  onEvent?: (event: ProviderCallEvent) => void;
  /** Who the call is for (`perUserConcurrency`). */
  userId?: string;
  /** The span the call is a child of (the image-gen node passes its attempt's). Default: the active context. */
  trace?: ProviderCallTrace;
}

/** Generated images and who drew them. */
export interface ImageCompletion {
  images: ImageData[];
  provider: string;
  model: string;
  usage?: Usage;
  /** Attempts made, retries included. */
  attempts: number;
}

/** The error for a provider that cannot draw, raised before any call is made. */
export function noImageGeneration(provider: LLMProvider): GalaxyError {
  return providerError(
    'E_PROVIDER_NO_IMAGE_GENERATION',
    `${provider.label} cannot generate images: pick a provider that can (Gemini, or an OpenAI-compatible server with /images/generations).`,
    { details: { provider: provider.name } },
  );
}

/** The providers a host configured, with retries, timeouts, breakers, limits and fallback around them. */
export interface ProviderSet {
  /** Provider names, in the order given. */
  readonly names: readonly string[];
  /** A provider by name. */
  get(name: string): LLMProvider | undefined;
  /** The state of a provider's circuit breaker (undefined for unknown names or no breaker). */
  circuitState(name: string): CircuitState | undefined;
  /** Streams an answer, falling back along the provider's chain. Errors are `GalaxyError`s. */
  generate(request: ProviderCallRequest): AsyncIterable<ProviderCallChunk>;
  /** Collects `generate` into one answer, handing each piece of text to `onText`. */
  complete(request: ProviderCallRequest, onText?: (text: string) => void): Promise<Completion>;
  /**
   * Generates images on one provider, under the same breaker, limits, timeout and retries as
   * `generate` (no fallback: another provider would draw another picture). A provider without
   * `generateImage` is refused before any call (`E_PROVIDER_NO_IMAGE_GENERATION`).
   */
  generateImages(request: ImageCallRequest): Promise<ImageCompletion>;
  /** Stops following other processes' breakers (`circuitSync`); calls go on. Safe to call more than once. */
  close(): void;
}

const DEFAULT_RETRY: Partial<RetryPolicy> = {
  maxAttempts: 3,
  backoffMs: 500,
  factor: 2,
  maxBackoffMs: 8_000,
  jitter: true,
};

interface Entry {
  provider: LLMProvider;
  policy: RetryPolicy;
  maxRetryAfterMs: number;
  timeoutMs: number;
  limiter: ConcurrencyLimiter;
  /** Per-user limiters of users with calls in flight or waiting; dropped when idle, so the map stays small. */
  users: Map<string, ConcurrencyLimiter>;
  breaker: CircuitBreaker | undefined;
}

/**
 * A `GalaxyError` for anything a provider threw. Keeps a look-alike's fields too: in CommonJS
 * builds each subpath bundles its own copy of the error classes, so `instanceof` can miss.
 */
function toGalaxyError(error: unknown): GalaxyError {
  if (error instanceof GalaxyError) return error;
  const info = toErrorInfo(error);
  const options: ConstructorParameters<typeof GalaxyError>[2] = {
    retryable: info.retryable,
    cause: error,
  };
  const like = error as { retryAfterMs?: unknown; details?: unknown } | null;
  if (typeof like?.retryAfterMs === 'number') options.retryAfterMs = like.retryAfterMs;
  if (like?.details && typeof like.details === 'object')
    options.details = like.details as Record<string, unknown>;
  return new GalaxyError(info.code, info.message, options);
}

/** The error for a provider a node names but the host did not configure, naming what to set. */
export function providerNotConfigured(name: string, configured: readonly string[]): GalaxyError {
  const info = providerInfo(name);
  const fix = info
    ? `${info.requiredEnv} is not set: set it on the server to use ${info.label}.`
    : `No provider named "${name}" is configured: add it to the host's provider set.`;
  const others = configured.length > 0 ? ` Configured: ${configured.join(', ')}.` : '';
  return providerError('E_PROVIDER_NOT_CONFIGURED', `${fix}${others}`, {
    details: info ? { provider: name, env: info.requiredEnv } : { provider: name },
  });
}

/** The same failure with one more sentence and more details. */
function annotate(
  error: GalaxyError,
  addition: string,
  details: Record<string, unknown>,
): GalaxyError {
  const options: ConstructorParameters<typeof GalaxyError>[2] = {
    retryable: error.retryable,
    cause: error,
    details: { ...error.details, ...details },
  };
  if (error.retryAfterMs !== undefined) options.retryAfterMs = error.retryAfterMs;
  return new GalaxyError(error.code, `${asSentence(error.message)} ${addition}`, options);
}

/** A provider that failed on the way to an answer. */
interface Failed {
  provider: string;
  model: string;
  attempts: number;
  error: GalaxyError;
}

/**
 * The error a whole call ends with. Final (`retryable: false`): the set has spent its retries
 * and fallbacks, and a retry on top by the scheduler would multiply the HTTP calls (and trip the
 * breaker on one node's behalf). The message says why retrying stopped.
 */
function finalError(failed: readonly Failed[], streamed: boolean): GalaxyError {
  const last = failed[failed.length - 1]!;
  const error = failed.length > 1 ? chainFailure(failed) : last.error;
  if (!error.retryable) return error;
  const why = streamed
    ? 'Not retried, because part of the answer had already streamed: '
    : failed.length === 1 && last.attempts > 1
      ? `Gave up after ${last.attempts} attempts: `
      : '';
  return new GalaxyError(error.code, `${why}${error.message}`, {
    retryable: false,
    cause: error,
    details: { ...error.details, attempts: last.attempts },
  });
}

/**
 * Puts providers behind the guards real APIs need. For each call: the provider's circuit
 * breaker (fail fast while it is open), its concurrency limit (queue), a per-call timeout,
 * retries with backoff for retryable failures (honouring `Retry-After`), then the fallback
 * chain. Text that has already streamed is never repeated: once a provider has sent text,
 * its failure ends the call instead of retrying or falling back.
 *
 * The set owns the retries of provider calls, and the scheduler owns the retries of nodes:
 * every error a call ends with is final (`retryable: false`), except the caller's own abort
 * reason (a node's timeout stays retryable). The retries are reported through `onEvent`, which
 * the built-in nodes write to the node's log.
 */
export function createProviderSet(options: ProviderSetOptions): ProviderSet {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const perUser = options.perUserConcurrency ?? 4;
  if (!(perUser >= 1)) {
    throw new GalaxyError(
      'E_INVALID_OPTION',
      `perUserConcurrency must be at least 1 (or Infinity), got ${perUser}.`,
      { details: { option: 'perUserConcurrency' } },
    );
  }
  const entries = new Map<string, Entry>();
  for (const provider of options.providers) {
    if (entries.has(provider.name)) {
      throw providerError(
        'E_PROVIDER_NOT_CONFIGURED',
        `Two providers are named "${provider.name}"; give each its own name.`,
      );
    }
    const guard = { ...options.resilience, ...options.perProvider?.[provider.name] };
    const sync = options.circuitSync;
    const name = provider.name;
    const breaker =
      guard.circuitBreaker === false
        ? undefined
        : createCircuitBreaker({
            ...guard.circuitBreaker,
            now,
            ...(sync ? { onChange: (change) => sync.publish(name, change) } : {}),
          });
    entries.set(provider.name, {
      provider,
      policy: resolveRetryPolicy(
        DEFAULT_RETRY,
        options.resilience?.retry,
        options.perProvider?.[provider.name]?.retry,
      ),
      maxRetryAfterMs: guard.maxRetryAfterMs ?? 30_000,
      timeoutMs: guard.timeoutMs ?? 120_000,
      limiter: createConcurrencyLimiter(guard.maxConcurrency ?? 16),
      users: new Map(),
      breaker,
    });
  }
  const names = Object.freeze([...entries.keys()]);
  const guarded = names.filter((name) => entries.get(name)?.breaker);
  let unfollow: (() => void) | undefined =
    options.circuitSync && guarded.length > 0
      ? options.circuitSync.subscribe(guarded, (name, change) =>
          entries.get(name)?.breaker?.follow(change),
        )
      : undefined;
  const chains = new Map<string, FallbackTarget[]>();
  for (const [primary, targets] of Object.entries(options.fallbacks ?? {})) {
    const chain = targets.map((t) => (typeof t === 'string' ? { provider: t } : t));
    for (const name of [primary, ...chain.map((t) => t.provider)]) {
      if (!entries.has(name)) {
        throw providerError(
          'E_PROVIDER_NOT_CONFIGURED',
          `The fallback chain of "${primary}" names "${name}", which is not among the providers (${names.join(', ')}).`,
        );
      }
    }
    chains.set(primary, chain);
  }

  /** Waits for one of the user's slots on the provider; resolves with its release. */
  async function userSlot(
    entry: Entry,
    userId: string | undefined,
    signal: AbortSignal | undefined,
  ) {
    if (userId === undefined || perUser === Number.POSITIVE_INFINITY) return () => {};
    let limiter = entry.users.get(userId);
    if (!limiter) {
      limiter = createConcurrencyLimiter(perUser);
      entry.users.set(userId, limiter);
    }
    const own = limiter;
    const forgetIfIdle = () => {
      if (own.active === 0 && own.waiting === 0 && entry.users.get(userId) === own)
        entry.users.delete(userId);
    };
    try {
      const release = await own.acquire(signal);
      return () => {
        release();
        forgetIfIdle();
      };
    } catch (error) {
      forgetIfIdle();
      throw error;
    }
  }

  /** One HTTP call on one provider, under its breaker, the user's slots, its limiter and timeout. */
  async function* attemptOnce(
    entry: Entry,
    request: GenerateRequest,
    signal: AbortSignal | undefined,
    userId: string | undefined,
    invoke: Invoke | undefined,
  ) {
    const { provider, breaker } = entry;
    const circuitOpen = (retryAfterMs: number) =>
      providerError(
        'E_CIRCUIT_OPEN',
        `${provider.label} failed repeatedly and is paused for ${Math.ceil(retryAfterMs / 1000)} s.`,
        {
          details: { provider: provider.name, retryAfterMs },
        },
      );
    if (breaker?.state === 'open') {
      const permit = breaker.acquire();
      if (!permit.allowed) throw circuitOpen(permit.retryAfterMs);
      breaker.release();
    }
    // The user's slot first: a call queued behind its own user's calls holds no provider slot.
    const releaseUser = await userSlot(entry, userId, signal);
    let release: () => void;
    try {
      release = await entry.limiter.acquire(signal);
    } catch (error) {
      releaseUser();
      throw error;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    let outcome = 'none' as 'success' | 'failure' | 'none';
    let permitted = false;
    try {
      if (breaker) {
        const permit = breaker.acquire();
        if (!permit.allowed) throw circuitOpen(permit.retryAfterMs);
        permitted = true;
      }
      if (signal?.aborted) throw abortReason(signal);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (entry.timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, entry.timeoutMs);
      }
      try {
        let finished = false;
        const chunks = invoke
          ? invoke(controller.signal)
          : provider.generate({ ...request, signal: controller.signal });
        for await (const chunk of chunks) {
          // The caller may stop reading once it has the finish chunk: the call counts as done then.
          if (chunk.type === 'finish') {
            outcome = 'success';
            finished = true;
          }
          yield chunk;
        }
        // A provider that just stops has not answered: what it sent may be half an answer.
        if (!finished) {
          throw providerError(
            'E_PROVIDER_RESPONSE',
            `${provider.label} ended its answer without finishing it: the answer may be cut off.`,
            {
              retryable: true,
              details: { provider: provider.name, model: request.model },
            },
          );
        }
        outcome = 'success';
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        if (timedOut) {
          outcome = 'failure';
          throw providerError(
            'E_PROVIDER_TIMEOUT',
            `${provider.label} did not answer within ${entry.timeoutMs} ms.`,
            {
              retryable: true,
              cause: error,
              details: {
                provider: provider.name,
                model: request.model,
                timeoutMs: entry.timeoutMs,
              },
            },
          );
        }
        const failure = toGalaxyError(error);
        // Only upstream faults (5xx, network, timeouts) count against the provider. A 429 is a rate
        // signal, often one user's burst: counting it would pause the provider for every user.
        // A refusal (400, 401, 404) proves the provider is up.
        outcome =
          failure.code === 'E_PROVIDER_RATE_LIMIT'
            ? 'none'
            : failure.retryable
              ? 'failure'
              : 'success';
        throw failure;
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // The consumer stopped early (or the call failed): make sure the HTTP request ends too.
      if (outcome !== 'success') controller.abort();
      if (permitted) {
        if (outcome === 'success') breaker!.success();
        else if (outcome === 'failure') breaker!.failure();
        else breaker!.release();
      }
      release();
      releaseUser();
    }
  }

  /** One provider with its retries. Reports attempts made through `stats`. */
  async function* tryProvider(
    entry: Entry,
    request: ProviderCallRequest,
    model: string,
    stats: { attempts: number },
    fallbackFrom: readonly string[],
    invoke?: Invoke,
  ) {
    const {
      signal,
      onEvent,
      userId,
      provider: _name,
      model: _model,
      trace: callTrace,
      ...rest
    } = request;
    const call: GenerateRequest = { ...rest, model };
    const label = entry.provider.label;
    let previous: GalaxyError | undefined;
    for (let attempt = 1; ; attempt++) {
      stats.attempts = attempt;
      let streamed = false;
      const span = startProviderSpan(callTrace, {
        operation: invoke ? 'generate_content' : 'chat',
        provider: entry.provider.name,
        model,
        attempt,
        fallbackFrom,
        temperature: call.temperature,
        maxTokens: call.maxTokens,
        prompt: call.prompt,
        system: call.system,
      });
      try {
        for await (const chunk of attemptOnce(entry, call, signal, userId, invoke)) {
          if (chunk.type === 'text') {
            streamed = true;
            span?.text(chunk.text);
          } else span?.finish(chunk.usage, chunk.finishReason);
          yield chunk;
        }
        return;
      } catch (error) {
        if (signal?.aborted) {
          const reason = abortReason(signal);
          span?.fail(toGalaxyError(reason).toJSON());
          throw reason;
        }
        const failure = toGalaxyError(error);
        span?.fail(failure.toJSON());
        if (failure.code === 'E_CIRCUIT_OPEN' && previous) {
          // This call's own failures opened the circuit: the reason to show is the last real one.
          stats.attempts = attempt - 1;
          const pausedMs = Number(failure.details?.retryAfterMs ?? 0);
          throw annotate(
            previous,
            `${label} is now paused for ${Math.ceil(pausedMs / 1000)} s after repeated failures.`,
            { circuit: 'open' },
          );
        }
        if (streamed || !failure.retryable) throw failure;
        const hinted = failure.retryAfterMs;
        if (hinted !== undefined && hinted > entry.maxRetryAfterMs) {
          // Waiting less than asked would only be refused again; waiting longer parks the node.
          const retryAt = new Date(now() + hinted).toISOString();
          throw annotate(
            failure,
            `${label} takes requests again at ${retryAt}, later than this host waits for (${Math.ceil(entry.maxRetryAfterMs / 1000)} s).`,
            { retryAfterMs: hinted, retryAt },
          );
        }
        if (attempt >= entry.policy.maxAttempts) throw failure;
        previous = failure;
        const delayMs = Math.max(computeBackoff(entry.policy, attempt, random), hinted ?? 0);
        span?.retrying(delayMs);
        onEvent?.({
          type: 'retry',
          provider: entry.provider.name,
          model,
          attempt,
          delayMs,
          error: failure.toJSON(),
        });
        span?.end();
        await sleep(delayMs, signal);
      } finally {
        span?.end();
      }
    }
  }

  async function* generate(request: ProviderCallRequest): AsyncGenerator<ProviderCallChunk> {
    const primary = entries.get(request.provider);
    if (!primary) throw providerNotConfigured(request.provider, names);
    const wantsImages = (request.images?.length ?? 0) > 0;
    const modelFor = (entry: Entry, model: string | undefined) =>
      model ||
      (wantsImages
        ? (entry.provider.defaultVisionModel ?? entry.provider.defaultModel)
        : entry.provider.defaultModel);
    const chain: { entry: Entry; model: string }[] = [
      { entry: primary, model: modelFor(primary, request.model) },
    ];
    for (const target of chains.get(primary.provider.name) ?? []) {
      const entry = entries.get(target.provider)!;
      if (wantsImages && !entry.provider.supportsImages) continue;
      chain.push({ entry, model: modelFor(entry, target.model) });
    }
    if (wantsImages && !primary.provider.supportsImages) {
      throw providerError(
        'E_PROVIDER_BAD_REQUEST',
        `${primary.provider.label} does not accept images; pick another provider.`,
        {
          details: { provider: primary.provider.name },
        },
      );
    }

    const failed: Failed[] = [];
    const fallbacks = (): NodeMetaFallback[] =>
      failed.map((f) => ({
        provider: f.provider,
        model: f.model,
        attempts: f.attempts,
        code: f.error.code,
        // Meta leaves the engine like an error does: the same redaction.
        message: redactUrls(f.error.message),
      }));
    for (let i = 0; i < chain.length; i++) {
      const { entry, model } = chain[i]!;
      const stats = { attempts: 0 };
      let streamed = false;
      try {
        for await (const chunk of tryProvider(
          entry,
          request,
          model,
          stats,
          failed.map((f) => f.provider),
        )) {
          if (chunk.type === 'text') {
            streamed = true;
            yield chunk;
          } else {
            const finish: ProviderCallChunk = {
              type: 'finish',
              provider: entry.provider.name,
              model,
              attempts: stats.attempts,
              fallbackFrom: failed.map((f) => f.provider),
              fallbacks: fallbacks(),
            };
            if (chunk.usage) finish.usage = chunk.usage;
            if (chunk.finishReason) finish.finishReason = chunk.finishReason;
            yield finish;
          }
        }
        return;
      } catch (error) {
        if (request.signal?.aborted) throw abortReason(request.signal);
        const failure = toGalaxyError(error);
        failed.push({
          provider: entry.provider.name,
          model,
          attempts: stats.attempts,
          error: failure,
        });
        const next = chain[i + 1];
        const movable = failure.retryable || failure.code === 'E_CIRCUIT_OPEN';
        if (streamed || !movable || !next) throw finalError(failed, streamed);
        if (request.trace) {
          trace.getSpan(request.trace.parent)?.addEvent('galaxyflow.provider.fallback', {
            'galaxyflow.provider.from': entry.provider.name,
            'galaxyflow.provider.to': next.entry.provider.name,
            'gen_ai.request.model': next.model,
            'error.type': failure.code,
          });
        }
        request.onEvent?.({
          type: 'fallback',
          from: entry.provider.name,
          to: next.entry.provider.name,
          model: next.model,
          error: failure.toJSON(),
        });
      }
    }
  }

  async function complete(
    request: ProviderCallRequest,
    onText?: (text: string) => void,
  ): Promise<Completion> {
    let text = '';
    let completion: Completion | undefined;
    for await (const chunk of generate(request)) {
      if (chunk.type === 'text') {
        text += chunk.text;
        onText?.(chunk.text);
      } else {
        const { type: _type, ...rest } = chunk;
        completion = { text, ...rest };
      }
    }
    if (completion) return completion;
    // Unreachable while `generate` keeps its contract (a finish chunk or an error); final like its errors.
    throw providerError(
      'E_PROVIDER_RESPONSE',
      `${request.provider} ended the answer without finishing it.`,
    );
  }

  async function generateImages(request: ImageCallRequest): Promise<ImageCompletion> {
    const entry = entries.get(request.provider);
    if (!entry) throw providerNotConfigured(request.provider, names);
    const { provider } = entry;
    const generateImage = provider.generateImage?.bind(provider);
    if (!generateImage) throw noImageGeneration(provider);
    const model = request.model || provider.defaultImageModel || provider.defaultModel;
    let result: GeneratedImages | undefined;
    // The image call rides the text call's guards as one call that yields only its finish.
    async function* invoke(signal: AbortSignal): AsyncGenerator<GenerateChunk> {
      const call: GenerateImageRequest = {
        model,
        prompt: request.prompt,
        count: request.count,
        signal,
      };
      if (request.size !== undefined) call.size = request.size;
      result = await generateImage!(call);
      yield { type: 'finish' };
    }
    const { count: _count, size: _size, ...rest } = request;
    const stats = { attempts: 0 };
    try {
      for await (const _chunk of tryProvider(entry, rest, model, stats, [], invoke)) {
        // Nothing streams: the images arrive whole in `result`.
      }
    } catch (error) {
      if (request.signal?.aborted) throw abortReason(request.signal);
      throw finalError(
        [{ provider: provider.name, model, attempts: stats.attempts, error: toGalaxyError(error) }],
        false,
      );
    }
    const completion: ImageCompletion = {
      images: result?.images ?? [],
      provider: provider.name,
      model,
      attempts: stats.attempts,
    };
    if (result?.usage) completion.usage = result.usage;
    return completion;
  }

  return Object.freeze({
    names,
    generateImages,
    get: (name: string) => entries.get(name)?.provider,
    circuitState: (name: string) => entries.get(name)?.breaker?.state,
    generate,
    complete,
    close() {
      const stop = unfollow;
      unfollow = undefined;
      stop?.();
    },
  });
}

/** A call made in place of `provider.generate`, under the same guards. */
type Invoke = (signal: AbortSignal) => AsyncIterable<GenerateChunk>;

/** One error for a whole chain that failed: the last provider's code and retryability, every provider's reason. */
function chainFailure(failed: readonly Failed[]): GalaxyError {
  const last = failed[failed.length - 1]!.error;
  const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;
  const message = failed
    .map(
      (f, i) =>
        `${i === 0 ? '' : 'then '}${f.provider} (${f.model}, ${attempts(f.attempts)}): ${f.error.message}`,
    )
    .join('; ');
  const options: ConstructorParameters<typeof GalaxyError>[2] = {
    retryable: last.retryable,
    cause: last,
    details: {
      ...last.details,
      tried: failed.map((f) => ({
        provider: f.provider,
        model: f.model,
        attempts: f.attempts,
        code: f.error.code,
      })),
    },
  };
  if (last.retryAfterMs !== undefined) options.retryAfterMs = last.retryAfterMs;
  return new GalaxyError(last.code, `Every provider failed: ${message}`, options);
}
