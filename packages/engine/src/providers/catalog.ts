/** What the engine knows about a built-in provider without loading its SDK. */
export interface ProviderInfo {
  /** Key a node's `provider` field holds. */
  name: string;
  /** Name shown in the editor and in messages. */
  label: string;
  /** The variable that switches the provider on in `createProvidersFromEnv`. */
  requiredEnv: string;
  /** Optional variables it also reads. */
  optionalEnv: readonly string[];
  /** Suggested text models, the first being the default. */
  models: readonly string[];
  /** Suggested models that accept images, the first being the default. */
  visionModels: readonly string[];
  /** Suggested models that generate images, the first being the default; empty when it cannot. */
  imageModels: readonly string[];
}

/** Built-in providers, in the order the editor lists them. */
export const providerCatalog: readonly ProviderInfo[] = Object.freeze([
  {
    name: 'gemini',
    label: 'Gemini',
    requiredEnv: 'GEMINI_API_KEY',
    optionalEnv: ['GEMINI_BASE_URL'],
    models: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'gemini-2.0-flash-lite'],
    visionModels: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-2.0-flash'],
    imageModels: ['gemini-2.5-flash-image', 'gemini-2.0-flash-preview-image-generation'],
  },
  {
    name: 'groq',
    label: 'Groq',
    requiredEnv: 'GROQ_API_KEY',
    optionalEnv: ['GROQ_BASE_URL'],
    models: [
      'llama-3.3-70b-versatile',
      'llama-3.1-8b-instant',
      'openai/gpt-oss-120b',
      'openai/gpt-oss-20b',
      'meta-llama/llama-4-scout-17b-16e-instruct',
      'meta-llama/llama-4-maverick-17b-128e-instruct',
      'qwen/qwen3-32b',
    ],
    visionModels: ['meta-llama/llama-4-scout-17b-16e-instruct', 'meta-llama/llama-4-maverick-17b-128e-instruct'],
    imageModels: [],
  },
  {
    name: 'openai-compatible',
    label: 'OpenAI-compatible server',
    requiredEnv: 'OPENAI_COMPATIBLE_BASE_URL',
    optionalEnv: ['OPENAI_COMPATIBLE_API_KEY', 'OPENAI_COMPATIBLE_MODEL', 'OPENAI_COMPATIBLE_VISION_MODEL'],
    models: ['llama3.2', 'qwen2.5', 'mistral', 'gemma3'],
    visionModels: ['llama3.2-vision', 'qwen2.5vl', 'llava', 'gemma3'],
    imageModels: ['gpt-image-1', 'dall-e-3'],
  },
]);

/** The catalog entry of a built-in provider, or undefined for a host's own. */
export function providerInfo(name: string): ProviderInfo | undefined {
  return providerCatalog.find((info) => info.name === name);
}
