import {
  type GenerateContentResponse,
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  GoogleGenerativeAIRequestInputError,
  type GenerationConfig,
  type Part,
  type RequestOptions,
  type ResponseSchema as GeminiSchema,
} from '@google/generative-ai';
import { GalaxyError } from '../errors';
import { withoutUrls } from '../redact';
import { providerInfo } from './catalog';
import {
  abortReason,
  classifyHttpFailure,
  type HttpFailure,
  networkFailure,
  providerError,
} from './errors';
import { assertModelId, encodePathSegments } from './modelId';
import type {
  Env,
  GeneratedImages,
  GenerateChunk,
  GenerateImageRequest,
  GenerateRequest,
  ImageData,
  LLMProvider,
  ProviderFactory,
  Usage,
} from './types';

const INFO = providerInfo('gemini')!;

const GEMINI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/**
 * A JSON Schema in the OpenAPI subset Gemini's `responseSchema` takes: types (a `null` in a type
 * list becomes `nullable`), descriptions, string enums, properties, required, items and the
 * bounds Gemini knows. What it cannot express is left out (undefined when nothing is left);
 * the engine still checks the answer against the whole schema.
 */
export function toGeminiSchema(schema: unknown): GeminiSchema | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const source = schema as Record<string, unknown>;
  const types = Array.isArray(source.type) ? source.type : [source.type];
  const type = types.find((entry) => entry !== 'null');
  if (typeof type !== 'string' || !GEMINI_TYPES.has(type)) return undefined;
  const out: Record<string, unknown> = { type };
  if (types.includes('null')) out.nullable = true;
  if (typeof source.description === 'string') out.description = source.description;
  if (type === 'string' && Array.isArray(source.enum) && source.enum.every((v) => typeof v === 'string')) {
    out.format = 'enum';
    out.enum = source.enum;
  }
  for (const key of ['minimum', 'maximum', 'minItems', 'maxItems'] as const) {
    if (typeof source[key] === 'number') out[key] = source[key];
  }
  if (type === 'array') {
    const items = toGeminiSchema(source.items);
    if (!items) return undefined;
    out.items = items;
  }
  if (type === 'object') {
    const properties: Record<string, GeminiSchema> = {};
    const given = source.properties;
    if (typeof given === 'object' && given !== null) {
      for (const [name, property] of Object.entries(given)) {
        const converted = toGeminiSchema(property);
        if (converted) properties[name] = converted;
      }
    }
    // Gemini refuses an object without properties.
    if (Object.keys(properties).length === 0) return undefined;
    out.properties = properties;
    const required = Array.isArray(source.required) ? source.required.filter((name) => typeof name === 'string' && name in properties) : [];
    if (required.length > 0) out.required = required;
  }
  return out as unknown as GeminiSchema;
}
const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
const BLOCKING_FINISH = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'LANGUAGE',
]);

export interface GeminiProviderOptions {
  /** A Gemini API key (Google AI Studio). Required. */
  apiKey: string;
  /** API address. Default `https://generativelanguage.googleapis.com`. */
  baseUrl?: string;
  /** API version in the path. Default `v1beta`. */
  apiVersion?: string;
  /** Key nodes use to pick this provider. Default `gemini`. */
  name?: string;
  /** Model used when a node names none. Default `gemini-2.5-flash`. */
  defaultModel?: string;
  /** Model used for images when a node names none. Default `gemini-2.5-flash`. */
  defaultVisionModel?: string;
  /** Model that draws images when a node names none. Default `gemini-2.5-flash-image`. */
  defaultImageModel?: string;
}

/** Aspect ratios Gemini's image models take (`imageConfig.aspectRatio`). */
const GEMINI_ASPECT_RATIOS = new Set(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);

/** `1024x768` as Gemini's `4:3`; undefined when Gemini has no such ratio. */
export function aspectRatioOf(size: string): string | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return undefined;
  let [a, b] = [Number(match[1]), Number(match[2])];
  const w = a;
  const h = b;
  while (b !== 0) [a, b] = [b, a % b];
  const ratio = `${w / a}:${h / a}`;
  return GEMINI_ASPECT_RATIOS.has(ratio) ? ratio : undefined;
}

interface GoogleErrorDetail {
  '@type'?: string;
  retryDelay?: string;
  reason?: string;
}

/** `RetryInfo.retryDelay` ("37s", "0.5s") from a Google error's details, in ms. */
function retryDelayOf(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as GoogleErrorDetail[]) {
    const match =
      typeof detail?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay) : null;
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

function hasInvalidKeyReason(details: unknown): boolean {
  return (
    Array.isArray(details) &&
    (details as GoogleErrorDetail[]).some((d) => d?.reason === 'API_KEY_INVALID')
  );
}

/** The server's own words inside the SDK's "Error fetching from URL: [status] message" text. */
function serverMessage(error: GoogleGenerativeAIFetchError): string {
  const match = /\] (.*?)(?: \[\{.*)?$/s.exec(error.message);
  return withoutUrls(match?.[1] ?? error.message, 'the Gemini API');
}

function usageOf(response: GenerateContentResponse): Usage | undefined {
  const meta = response.usageMetadata;
  if (!meta) return undefined;
  const usage: Usage = {};
  if (typeof meta.promptTokenCount === 'number') usage.inputTokens = meta.promptTokenCount;
  if (typeof meta.candidatesTokenCount === 'number') usage.outputTokens = meta.candidatesTokenCount;
  if (typeof meta.totalTokenCount === 'number') usage.totalTokens = meta.totalTokenCount;
  return usage;
}

function sumUsage(usages: readonly (Usage | undefined)[]): Usage | undefined {
  const known = usages.filter((usage): usage is Usage => usage !== undefined);
  if (known.length === 0) return undefined;
  const total: Usage = {};
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    const values = known.map((usage) => usage[key]).filter((v): v is number => v !== undefined);
    if (values.length > 0) total[key] = values.reduce((a, b) => a + b, 0);
  }
  return total;
}

/** Text and images on Gemini through the official `@google/generative-ai` SDK, streaming. */
export function createGeminiProvider(options: GeminiProviderOptions): LLMProvider {
  if (!options.apiKey?.trim()) {
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      `${INFO.requiredEnv} is not set: create a key at https://aistudio.google.com/apikey.`,
    );
  }
  const name = options.name ?? INFO.name;
  const baseUrl = options.baseUrl?.trim().replace(/\/+$/, '') || DEFAULT_BASE_URL;
  const apiVersion = encodePathSegments(options.apiVersion ?? 'v1beta');
  const client = new GoogleGenerativeAI(options.apiKey);

  function classify(error: unknown, request: GenerateRequest): GalaxyError {
    if (request.signal?.aborted) return abortReason(request.signal);
    if (error instanceof GalaxyError) return error;
    if (error instanceof GoogleGenerativeAIFetchError && typeof error.status === 'number') {
      const failure: HttpFailure = {
        provider: name,
        label: INFO.label,
        status: error.status,
        message: serverMessage(error),
        model: request.model,
        apiKeyEnv: INFO.requiredEnv,
        invalidKey: hasInvalidKeyReason(error.errorDetails),
        cause: error,
      };
      const retryAfterMs = retryDelayOf(error.errorDetails);
      if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
      return classifyHttpFailure(failure);
    }
    if (error instanceof GoogleGenerativeAIRequestInputError) {
      return providerError(
        'E_PROVIDER_BAD_REQUEST',
        `Gemini could not send the request: ${error.message}`,
        { cause: error, details: { provider: name } },
      );
    }
    if (error instanceof GoogleGenerativeAIAbortError) {
      return providerError('E_PROVIDER_UNAVAILABLE', 'The request to Gemini was aborted.', {
        retryable: true,
        cause: error,
        details: { provider: name },
      });
    }
    // "Error fetching from …" (socket errors), "Error reading from the stream", "Failed to parse stream".
    // The SDK drops the socket error and quotes the URL instead: keep what fetch said.
    const message = error instanceof Error ? error.message : '';
    const fetchFailed = /^\[GoogleGenerativeAI Error\]: Error fetching from \S+: (.*)$/s.exec(
      message,
    );
    const reason = fetchFailed ? new Error(fetchFailed[1], { cause: error }) : error;
    return networkFailure(name, INFO.label, reason, 'GEMINI_BASE_URL');
  }

  function checkBlocked(response: GenerateContentResponse): void {
    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason) {
      throw providerError(
        'E_CONTENT_BLOCKED',
        `Gemini blocked the prompt (${blockReason}). Rephrase it and run again.`,
        {
          details: { provider: name, reason: blockReason },
        },
      );
    }
    const finishReason = response.candidates?.[0]?.finishReason;
    if (finishReason && BLOCKING_FINISH.has(finishReason)) {
      throw providerError('E_CONTENT_BLOCKED', `Gemini stopped the answer (${finishReason}).`, {
        details: { provider: name, reason: finishReason },
      });
    }
  }

  function textOf(response: GenerateContentResponse): string {
    let text = '';
    for (const part of response.candidates?.[0]?.content?.parts ?? []) {
      // Thinking models may stream their reasoning as parts marked `thought`: not part of the answer.
      if (typeof part.text === 'string' && (part as { thought?: boolean }).thought !== true)
        text += part.text;
    }
    return text;
  }

  async function* generate(request: GenerateRequest): AsyncGenerator<GenerateChunk> {
    // The SDK pastes the model into the request path as it is: check it, then encode every segment.
    assertModelId('gemini', request.model, name);
    const modelPath = encodePathSegments(
      request.model.includes('/') ? request.model : `models/${request.model}`,
    );
    const generationConfig: GenerationConfig = {};
    if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
    if (request.maxTokens !== undefined) generationConfig.maxOutputTokens = request.maxTokens;
    if (request.json || request.responseSchema) generationConfig.responseMimeType = 'application/json';
    const responseSchema = request.responseSchema && toGeminiSchema(request.responseSchema.schema);
    if (responseSchema) generationConfig.responseSchema = responseSchema;
    const model = client.getGenerativeModel(
      {
        model: modelPath,
        generationConfig,
        ...(request.system ? { systemInstruction: request.system } : {}),
      },
      { baseUrl, apiVersion } satisfies RequestOptions,
    );
    const parts: Part[] = [{ text: request.prompt }];
    for (const image of request.images ?? [])
      parts.push({ inlineData: { mimeType: image.mimeType, data: image.base64 } });
    const contents = { contents: [{ role: 'user', parts }] };
    const callOptions = request.signal ? { signal: request.signal } : {};

    let usage: Usage | undefined;
    let finishReason: string | undefined;
    try {
      if (request.stream ?? true) {
        const result = await model.generateContentStream(contents, callOptions);
        // The SDK also aggregates the stream into `response`; this provider reads the chunks
        // itself, so that promise's failure is the same one the loop below reports.
        result.response.catch(() => {});
        for await (const chunk of result.stream) {
          checkBlocked(chunk);
          const text = textOf(chunk);
          if (text) yield { type: 'text', text };
          usage = usageOf(chunk) ?? usage;
          finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
        }
        // Gemini puts a finishReason on the last candidate of every whole stream; a clean end of
        // the body without one is a connection cut mid-answer, and its text half an answer.
        if (!finishReason && !request.signal?.aborted) {
          throw providerError(
            'E_PROVIDER_RESPONSE',
            'Gemini ended the stream before the answer was complete (no finishReason on the last candidate): the connection was probably cut.',
            {
              retryable: true,
              details: { provider: name, model: request.model },
            },
          );
        }
      } else {
        const { response } = await model.generateContent(contents, callOptions);
        checkBlocked(response);
        const text = textOf(response);
        if (text) yield { type: 'text', text };
        usage = usageOf(response);
        finishReason = response.candidates?.[0]?.finishReason;
      }
    } catch (error) {
      throw classify(error, request);
    }
    const finish: GenerateChunk = { type: 'finish' };
    if (usage) finish.usage = usage;
    if (finishReason) finish.finishReason = finishReason;
    if (request.signal?.aborted) throw abortReason(request.signal);
    yield finish;
  }

  /** One image per call, as Gemini's image models answer: `count` calls side by side. */
  async function generateImage(request: GenerateImageRequest): Promise<GeneratedImages> {
    assertModelId('gemini', request.model, name);
    const modelPath = encodePathSegments(
      request.model.includes('/') ? request.model : `models/${request.model}`,
    );
    // Not in the SDK's types (0.24), but sent as given: the API reads them.
    const config: Record<string, unknown> = { responseModalities: ['TEXT', 'IMAGE'] };
    if (request.size !== undefined) {
      const aspectRatio = aspectRatioOf(request.size);
      if (!aspectRatio) {
        throw providerError(
          'E_PROVIDER_BAD_REQUEST',
          `Gemini draws images in the aspect ratios ${[...GEMINI_ASPECT_RATIOS].join(', ')}; ${request.size} is none of them.`,
          { details: { provider: name, size: request.size } },
        );
      }
      config.imageConfig = { aspectRatio };
    }
    const model = client.getGenerativeModel(
      { model: modelPath, generationConfig: config as GenerationConfig },
      { baseUrl, apiVersion } satisfies RequestOptions,
    );
    const callOptions = request.signal ? { signal: request.signal } : {};
    const asText = { model: request.model, prompt: request.prompt, ...(request.signal ? { signal: request.signal } : {}) };
    const one = async (): Promise<{ images: ImageData[]; usage: Usage | undefined }> => {
      try {
        const { response } = await model.generateContent(
          { contents: [{ role: 'user', parts: [{ text: request.prompt }] }] },
          callOptions,
        );
        checkBlocked(response);
        const images: ImageData[] = [];
        for (const part of response.candidates?.[0]?.content?.parts ?? []) {
          if (part.inlineData?.data)
            images.push({ mimeType: part.inlineData.mimeType, base64: part.inlineData.data });
        }
        return { images, usage: usageOf(response) };
      } catch (error) {
        throw classify(error, asText);
      }
    };
    const answers = await Promise.all(Array.from({ length: request.count }, one));
    const images = answers.flatMap((answer) => answer.images);
    if (images.length === 0) {
      throw providerError(
        'E_PROVIDER_RESPONSE',
        `Gemini answered without an image: check that ${request.model} is an image model (e.g. ${INFO.imageModels[0]}).`,
        { details: { provider: name, model: request.model } },
      );
    }
    const result: GeneratedImages = { images };
    const usage = sumUsage(answers.map((answer) => answer.usage));
    if (usage) result.usage = usage;
    return result;
  }

  return Object.freeze({
    name,
    label: INFO.label,
    defaultModel: options.defaultModel ?? INFO.models[0]!,
    defaultVisionModel: options.defaultVisionModel ?? INFO.visionModels[0]!,
    defaultImageModel: options.defaultImageModel ?? INFO.imageModels[0]!,
    supportsImages: true,
    generate,
    generateImage,
  });
}

/** Reads `GEMINI_API_KEY` (switches it on) and `GEMINI_BASE_URL`. */
export const geminiFromEnv: ProviderFactory = Object.freeze({
  name: INFO.name,
  envVars: [INFO.requiredEnv, ...INFO.optionalEnv],
  fromEnv(env: Env): LLMProvider | undefined {
    const apiKey = env[INFO.requiredEnv]?.trim();
    if (!apiKey) return undefined;
    const baseUrl = env.GEMINI_BASE_URL?.trim();
    return createGeminiProvider(baseUrl ? { apiKey, baseUrl } : { apiKey });
  },
});
