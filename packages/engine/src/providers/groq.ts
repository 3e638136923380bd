import Groq, { APIConnectionError, APIError, APIUserAbortError } from 'groq-sdk';
import { GalaxyError } from '../errors';
import { providerInfo } from './catalog';
import {
  abortReason,
  classifyHttpFailure,
  type HttpFailure,
  networkFailure,
  parseRetryAfter,
  providerError,
} from './errors';
import { createCompletionReader, type RawCompletion, toChatMessages, withSchemaInSystem } from './openaiChat';
import { assertModelId } from './modelId';
import type { Env, GenerateChunk, GenerateRequest, LLMProvider, ProviderFactory } from './types';

const INFO = providerInfo('groq')!;
const DEFAULT_BASE_URL = 'https://api.groq.com';

export interface GroqProviderOptions {
  /** A Groq API key. Required. */
  apiKey: string;
  /** API address. Default `https://api.groq.com` (the SDK appends `/openai/v1/...`). */
  baseUrl?: string;
  /** Key nodes use to pick this provider. Default `groq`. */
  name?: string;
  /** Model used when a node names none. Default `llama-3.3-70b-versatile`. */
  defaultModel?: string;
  /** Model used for images when a node names none. Default `meta-llama/llama-4-scout-17b-16e-instruct`. */
  defaultVisionModel?: string;
  /**
   * Backstop time limit of one HTTP call inside the SDK, in ms. The provider set's per-call
   * timeout normally fires first. Default 600,000.
   */
  sdkTimeoutMs?: number;
  /** The `fetch` the SDK uses. Default: the global one. */
  fetch?: typeof fetch;
}

function messageOf(error: APIError): string | undefined {
  const body = error.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = body?.message ?? body?.error?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Text and vision models on Groq through the official `groq-sdk`, streaming. */
export function createGroqProvider(options: GroqProviderOptions): LLMProvider {
  if (!options.apiKey?.trim()) {
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      `${INFO.requiredEnv} is not set: create a key at https://console.groq.com/keys.`,
    );
  }
  const name = options.name ?? INFO.name;
  const baseUrl = options.baseUrl?.trim() || DEFAULT_BASE_URL;
  const clientOptions: ConstructorParameters<typeof Groq>[0] = {
    apiKey: options.apiKey,
    baseURL: baseUrl,
    // Retries, timeouts and fallback belong to the provider set, which sees every provider alike.
    maxRetries: 0,
    timeout: options.sdkTimeoutMs ?? 600_000,
  };
  if (options.fetch) clientOptions.fetch = options.fetch;
  const client = new Groq(clientOptions);

  function classify(error: unknown, request: GenerateRequest): GalaxyError {
    if (request.signal?.aborted) return abortReason(request.signal);
    if (error instanceof GalaxyError) return error;
    if (error instanceof APIUserAbortError)
      return abortReason(request.signal ?? new AbortController().signal);
    if (error instanceof APIConnectionError)
      return networkFailure(name, INFO.label, error.cause ?? error, 'GROQ_BASE_URL');
    if (error instanceof APIError && typeof error.status === 'number') {
      const failure: HttpFailure = {
        provider: name,
        label: INFO.label,
        status: error.status,
        model: request.model,
        apiKeyEnv: INFO.requiredEnv,
        cause: error,
      };
      const message = messageOf(error);
      if (message !== undefined) failure.message = message;
      const retryAfterMs = parseRetryAfter(error.headers);
      if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
      return classifyHttpFailure(failure);
    }
    // An error event inside the stream, or a body cut short.
    return networkFailure(name, INFO.label, error, 'GROQ_BASE_URL');
  }

  async function* generate(request: GenerateRequest): AsyncGenerator<GenerateChunk> {
    assertModelId('groq', request.model, name);
    const stream = request.stream ?? true;
    const body = {
      model: request.model,
      messages: toChatMessages(withSchemaInSystem(request)),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
      ...(request.json || request.responseSchema ? { response_format: { type: 'json_object' as const } } : {}),
    };
    const requestOptions = request.signal ? { signal: request.signal } : {};
    const reader = createCompletionReader(INFO.label, name);
    try {
      if (stream) {
        const chunks = await client.chat.completions.create(
          { ...body, stream: true },
          requestOptions,
        );
        for await (const chunk of chunks) yield* reader.read(chunk as RawCompletion);
      } else {
        const completion = await client.chat.completions.create(
          { ...body, stream: false },
          requestOptions,
        );
        yield* reader.read(completion as RawCompletion);
      }
    } catch (error) {
      throw classify(error, request);
    }
    // Some SDK streams end quietly when aborted: an aborted call must not look finished.
    if (request.signal?.aborted) throw abortReason(request.signal);
    // The SDK swallows `[DONE]`, so only the finish reason tells a whole stream from a cut one.
    yield reader.finish({ stream });
  }

  return Object.freeze({
    name,
    label: INFO.label,
    defaultModel: options.defaultModel ?? INFO.models[0]!,
    defaultVisionModel: options.defaultVisionModel ?? INFO.visionModels[0]!,
    supportsImages: true,
    generate,
  });
}

/** Reads `GROQ_API_KEY` (switches it on) and `GROQ_BASE_URL`. */
export const groqFromEnv: ProviderFactory = Object.freeze({
  name: INFO.name,
  envVars: [INFO.requiredEnv, ...INFO.optionalEnv],
  fromEnv(env: Env): LLMProvider | undefined {
    const apiKey = env[INFO.requiredEnv]?.trim();
    if (!apiKey) return undefined;
    const baseUrl = env.GROQ_BASE_URL?.trim();
    return createGroqProvider(baseUrl ? { apiKey, baseUrl } : { apiKey });
  },
});
