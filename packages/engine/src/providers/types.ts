/** An image handed to a model: raw bytes as base64 with their MIME type. */
export interface ImageData {
  /** E.g. `image/png`. */
  mimeType: string;
  /** The bytes, base64-encoded (no `data:` prefix). */
  base64: string;
}

/** A JSON Schema for structured output, with a name for APIs that want one. */
export interface ResponseSchema {
  /** Letters, digits, `_` and `-`, as OpenAI's `json_schema.name` allows. */
  name: string;
  schema: import('../jsonSchema').JsonSchema;
}

/** Token counts a provider reported for one call. Absent fields were not reported. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** One call to a model. */
export interface GenerateRequest {
  /** Model id as the provider names it, e.g. `gemini-2.5-flash`. */
  model: string;
  /** The user's prompt. */
  prompt: string;
  /** System instructions. */
  system?: string;
  /** Images shown to the model along with the prompt. */
  images?: readonly ImageData[];
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Most tokens in the answer. Default: the provider's. */
  maxTokens?: number;
  /** Ask for a single JSON value as the answer. Default false. */
  json?: boolean;
  /**
   * Structured output: the answer must be JSON matching this schema, asked for in the
   * provider's native mode (Gemini `responseSchema`, OpenAI `response_format: json_schema`,
   * Groq JSON mode with the schema in the system prompt). Implies `json`. Default none.
   */
  responseSchema?: ResponseSchema;
  /** Stream the answer token by token. Default true. */
  stream?: boolean;
  /** Aborts the HTTP request. */
  signal?: AbortSignal;
}

/** What `generate` yields: text as it arrives, then exactly one `finish`. */
export type GenerateChunk =
  /** A piece of the answer, in order. */
  | { type: 'text'; text: string }
  /** The call completed. */
  | { type: 'finish'; usage?: Usage; finishReason?: string };

/** One call for images: a prompt, how many, and at what size. */
export interface GenerateImageRequest {
  /** Image model id as the provider names it, e.g. `gemini-2.5-flash-image`. */
  model: string;
  /** What to draw. */
  prompt: string;
  /** How many images, 1 to 4. */
  count: number;
  /** `WIDTHxHEIGHT`, e.g. `1024x1024`. Default: the model's. */
  size?: string;
  /** Aborts the HTTP request. */
  signal?: AbortSignal;
}

/** The images one call produced, in order. */
export interface GeneratedImages {
  images: ImageData[];
  usage?: Usage;
}

/**
 * A model provider. Implementations classify their failures into `GalaxyError`s with the
 * provider codes (`E_PROVIDER_RATE_LIMIT`, `E_MODEL_NOT_FOUND`, ...) and abort their HTTP
 * request when `signal` fires. Retries, timeouts, breakers and fallback are layered on top
 * by `createProviderSet`, so an implementation makes exactly one HTTP call per `generate`.
 */
export interface LLMProvider {
  /** Unique key nodes use to pick it, e.g. `gemini`. */
  readonly name: string;
  /** Name shown in messages, e.g. `Gemini`. */
  readonly label: string;
  /** Model used when a node names none. */
  readonly defaultModel: string;
  /** Model used for images when a node names none. Default: `defaultModel`. */
  readonly defaultVisionModel?: string;
  /** Whether the provider accepts images at all. */
  readonly supportsImages: boolean;
  /** Streams one answer. */
  generate(request: GenerateRequest): AsyncIterable<GenerateChunk>;
  /** Image model used when a node names none. Set when `generateImage` is. */
  readonly defaultImageModel?: string;
  /**
   * Generates images in one HTTP call (or one per image where the API makes one at a time).
   * Absent: the provider cannot generate images, and the image generation node refuses it.
   */
  generateImage?(request: GenerateImageRequest): Promise<GeneratedImages>;
}

/** Environment variables as a host reads them (`process.env` fits). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds one provider from environment variables. Each provider's subpath exports one
 * (`geminiFromEnv`, `groqFromEnv`, `openaiCompatibleFromEnv`); `createProvidersFromEnv`
 * takes the ones a host wants, so the engine's main entry never imports an SDK.
 */
export interface ProviderFactory {
  /** The provider it builds. */
  readonly name: string;
  /** The variables it reads, the first one being the one that switches it on. */
  readonly envVars: readonly string[];
  /** The provider, or undefined when its switching variable is not set. */
  fromEnv(env: Env): LLMProvider | undefined;
}
