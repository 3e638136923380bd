import { GalaxyError } from '../errors';
import { readSse } from '../sse';
import { providerInfo } from './catalog';
import {
  abortReason,
  classifyHttpFailure,
  type HttpFailure,
  networkFailure,
  parseRetryAfter,
  providerError,
} from './errors';
import { base64ToBytes, sniffImageType } from './images';
import { assertModelId } from './modelId';
import { createCompletionReader, type RawCompletion, toChatMessages } from './openaiChat';
import type {
  Env,
  GeneratedImages,
  GenerateChunk,
  GenerateImageRequest,
  GenerateRequest,
  ImageData,
  LLMProvider,
  ProviderFactory,
} from './types';

const INFO = providerInfo('openai-compatible')!;

export interface OpenAICompatibleProviderOptions {
  /**
   * The server's address, with or without the `/v1` suffix: `http://localhost:11434` (Ollama),
   * `http://localhost:8000/v1` (vLLM), `http://localhost:1234/v1` (LM Studio). Required.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`. Default: none (local servers rarely need one). */
  apiKey?: string;
  /** Key nodes use to pick this provider. Default `openai-compatible`; give each server its own name to use several. */
  name?: string;
  /** Name shown in messages. Default `OpenAI-compatible server`. */
  label?: string;
  /** Model used when a node names none. Default `llama3.2`. */
  defaultModel?: string;
  /** Model used for images when a node names none. Default `llama3.2-vision`. */
  defaultVisionModel?: string;
  /** Whether the server's models accept images. Default true. */
  supportsImages?: boolean;
  /**
   * Image model used when a node names none; set to `false` when the server has no
   * `/images/generations` endpoint, so the image generation node refuses it up front.
   * Default `gpt-image-1`.
   */
  defaultImageModel?: string | false;
  /** Extra headers on every request. */
  headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
  /** The variable named in "check …" hints. Default `OPENAI_COMPATIBLE_API_KEY`. */
  apiKeyEnv?: string;
}

/** The chat-completions URL of a base URL: `…/v1` gets `/chat/completions`, a bare host `/v1/chat/completions`. */
export function chatCompletionsUrl(baseUrl: string): string {
  const url = baseUrl.trim().replace(/\/+$/, '');
  if (/\/chat\/completions$/.test(url)) return url;
  if (/\/v\d+[a-z]*$/i.test(url)) return `${url}/chat/completions`;
  return `${url}/v1/chat/completions`;
}

/** The image-generations URL of a base URL, beside its chat-completions URL. */
export function imageGenerationsUrl(baseUrl: string): string {
  return chatCompletionsUrl(baseUrl).replace(/\/chat\/completions$/, '/images/generations');
}

function errorMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown; message?: unknown };
    const error = body.error;
    if (typeof error === 'string') return error;
    if (
      error &&
      typeof error === 'object' &&
      typeof (error as { message?: unknown }).message === 'string'
    ) {
      return (error as { message: string }).message;
    }
    if (typeof body.detail === 'string') return body.detail;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: the raw text is the best explanation there is.
  }
  return text.slice(0, 500);
}

/**
 * A provider for any server speaking OpenAI's `/v1/chat/completions` (Ollama, vLLM, LM Studio,
 * llama.cpp server, OpenAI itself) with plain `fetch`: no SDK, runs anywhere `fetch` does.
 */
export function createOpenAICompatibleProvider(
  options: OpenAICompatibleProviderOptions,
): LLMProvider {
  if (!options.baseUrl?.trim()) {
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      `${INFO.requiredEnv} is not set: give the server's address, e.g. http://localhost:11434/v1.`,
    );
  }
  let endpoint: string;
  try {
    endpoint = new URL(chatCompletionsUrl(options.baseUrl)).toString();
  } catch (error) {
    // Not echoed: a mistyped URL may still hold a password.
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      `The base URL of ${options.label ?? `the ${INFO.label}`} is not a valid URL: check ${INFO.requiredEnv} or the baseUrl option.`,
      { cause: error },
    );
  }
  const name = options.name ?? INFO.name;
  const label = options.label ?? INFO.label;
  // What user-visible messages call the server: never its address, which is internal and may hold a secret.
  const server = options.label ?? `the ${INFO.label}`;
  const baseUrlEnv = name === INFO.name ? INFO.requiredEnv : undefined;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const apiKeyEnv = options.apiKeyEnv ?? 'OPENAI_COMPATIBLE_API_KEY';

  /** The typed error of an answer that is not 2xx (rate limits keep their Retry-After). */
  function httpFailure(response: Response, message: string, model: string): GalaxyError {
    const failure: HttpFailure = {
      provider: name,
      label,
      status: response.status,
      message,
      model,
      apiKeyEnv,
    };
    const retryAfterMs = parseRetryAfter(response.headers);
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    return classifyHttpFailure(failure);
  }

  async function* generate(request: GenerateRequest): AsyncGenerator<GenerateChunk> {
    assertModelId('openai-compatible', request.model, name);
    const stream = request.stream ?? true;
    const body: Record<string, unknown> = {
      model: request.model,
      messages: toChatMessages(request),
      stream,
    };
    if (stream) body.stream_options = { include_usage: true };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.responseSchema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema, strict: false },
      };
    } else if (request.json) body.response_format = { type: 'json_object' };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...options.headers,
    };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

    const fail = (error: unknown): never => {
      if (request.signal?.aborted) throw abortReason(request.signal);
      if (error instanceof GalaxyError) throw error;
      throw networkFailure(name, server, error, baseUrlEnv);
    };

    let response: Response;
    try {
      const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(body) };
      if (request.signal) init.signal = request.signal;
      response = await doFetch(endpoint, init);
    } catch (error) {
      return fail(error);
    }

    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const message = errorMessageOf(text);
      if (response.status === 404 && !/model/i.test(message)) {
        throw providerError(
          'E_PROVIDER_BAD_REQUEST',
          `No chat-completions endpoint on ${server} (HTTP 404): check its base URL (${baseUrlEnv ?? 'the baseUrl option'}).`,
          { details: { provider: name, status: 404 } },
        );
      }
      throw httpFailure(response, message, request.model);
    }

    const reader = createCompletionReader(label, name);
    const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    let done = false;
    try {
      if (isSse && response.body) {
        // Some OpenAI-style servers close right after their last `data:` line, with no blank line.
        for await (const event of readSse(response.body, { dispatchUnterminated: true })) {
          if (event.data === '[DONE]') {
            done = true;
            break;
          }
          let parsed: RawCompletion;
          try {
            parsed = JSON.parse(event.data) as RawCompletion;
          } catch (error) {
            throw providerError(
              'E_PROVIDER_RESPONSE',
              `${label} streamed something that is not JSON: ${event.data.slice(0, 200)}`,
              {
                retryable: true,
                cause: error,
                details: { provider: name },
              },
            );
          }
          yield* reader.read(parsed);
        }
      } else {
        const text = await response.text();
        let parsed: RawCompletion;
        try {
          parsed = JSON.parse(text) as RawCompletion;
        } catch (error) {
          throw providerError(
            'E_PROVIDER_RESPONSE',
            `${label} answered with something that is not JSON: ${text.slice(0, 200)}`,
            {
              retryable: true,
              cause: error,
              details: { provider: name },
            },
          );
        }
        yield* reader.read(parsed);
      }
    } catch (error) {
      fail(error);
    }
    // Some SDK streams end quietly when aborted: an aborted call must not look finished.
    if (request.signal?.aborted) throw abortReason(request.signal);
    yield reader.finish({ stream: isSse, done });
  }

  const imagesEndpoint = new URL(imageGenerationsUrl(options.baseUrl)).toString();

  /** OpenAI's `/images/generations`, all `count` images in one call, as base64 (`b64_json`). */
  async function generateImage(request: GenerateImageRequest): Promise<GeneratedImages> {
    assertModelId('openai-compatible', request.model, name);
    const body: Record<string, unknown> = {
      model: request.model,
      prompt: request.prompt,
      n: request.count,
      response_format: 'b64_json',
    };
    if (request.size !== undefined) body.size = request.size;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...options.headers,
    };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let response: Response;
    let text: string;
    try {
      const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(body) };
      if (request.signal) init.signal = request.signal;
      response = await doFetch(imagesEndpoint, init);
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw abortReason(request.signal);
      throw networkFailure(name, server, error, baseUrlEnv);
    }
    if (!response.ok) {
      const message = errorMessageOf(text);
      if (response.status === 404 && !/model/i.test(message)) {
        throw providerError(
          'E_PROVIDER_NO_IMAGE_GENERATION',
          `${label} has no image-generations endpoint (HTTP 404): pick a provider that draws images.`,
          { details: { provider: name, status: 404 } },
        );
      }
      throw httpFailure(response, message, request.model);
    }
    let parsed: { data?: { b64_json?: unknown }[] };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      throw providerError(
        'E_PROVIDER_RESPONSE',
        `${label} answered with something that is not JSON: ${text.slice(0, 200)}`,
        { retryable: true, cause: error, details: { provider: name } },
      );
    }
    const images: ImageData[] = (parsed.data ?? [])
      .map((item) => item.b64_json)
      .filter((data): data is string => typeof data === 'string' && data !== '')
      // The JSON names no type: the first bytes do (PNG unless they say otherwise).
      .map((base64) => ({
        mimeType: sniffImageType(base64ToBytes(base64.slice(0, 24))) ?? 'image/png',
        base64,
      }));
    if (images.length === 0) {
      throw providerError(
        'E_PROVIDER_RESPONSE',
        `${label} answered without an image (no data[].b64_json).`,
        { details: { provider: name, model: request.model } },
      );
    }
    return { images };
  }

  const imageModel =
    options.defaultImageModel === false
      ? undefined
      : (options.defaultImageModel ?? INFO.imageModels[0]!);
  const provider: LLMProvider = {
    name,
    label,
    defaultModel: options.defaultModel ?? INFO.models[0]!,
    defaultVisionModel: options.defaultVisionModel ?? INFO.visionModels[0]!,
    supportsImages: options.supportsImages ?? true,
    generate,
    ...(imageModel !== undefined ? { defaultImageModel: imageModel, generateImage } : {}),
  };
  return Object.freeze(provider);
}

function env(vars: Env, key: string): string | undefined {
  const value = vars[key]?.trim();
  return value ? value : undefined;
}

/**
 * Reads `OPENAI_COMPATIBLE_BASE_URL` (switches it on), `OPENAI_COMPATIBLE_API_KEY`,
 * `OPENAI_COMPATIBLE_MODEL` and `OPENAI_COMPATIBLE_VISION_MODEL`.
 */
export const openaiCompatibleFromEnv: ProviderFactory = Object.freeze({
  name: INFO.name,
  envVars: [INFO.requiredEnv, ...INFO.optionalEnv],
  fromEnv(vars: Env): LLMProvider | undefined {
    const baseUrl = env(vars, INFO.requiredEnv);
    if (!baseUrl) return undefined;
    const options: OpenAICompatibleProviderOptions = { baseUrl };
    const apiKey = env(vars, 'OPENAI_COMPATIBLE_API_KEY');
    const model = env(vars, 'OPENAI_COMPATIBLE_MODEL');
    const visionModel = env(vars, 'OPENAI_COMPATIBLE_VISION_MODEL');
    if (apiKey) options.apiKey = apiKey;
    if (model) options.defaultModel = model;
    if (visionModel) options.defaultVisionModel = visionModel;
    return createOpenAICompatibleProvider(options);
  },
});
