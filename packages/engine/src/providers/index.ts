// The SDK-free part of the providers, for the engine's main entry. The SDK-backed providers
// (`gemini.ts`, `groq.ts`) and the fetch-based one are reached only through their subpaths.
export { providerCatalog, providerInfo } from './catalog';
export type { ProviderInfo } from './catalog';
export { createCircuitBreaker } from './circuitBreaker';
export type {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitChange,
  CircuitPermit,
  CircuitState,
  CircuitSync,
} from './circuitBreaker';
export {
  getFileLoader,
  getFileSaver,
  getImageFetcher,
  getProviderSet,
  getRunId,
  getUserId,
  llmContext,
} from './context';
export type { LLMRunContext } from './context';
export { createProvidersFromEnv, parseFallbackList, providerEnvIssues } from './env';
export type { ProviderEnvIssue, ProvidersFromEnvOptions } from './env';
export {
  classifyHttpFailure,
  isRetryableStatus,
  parseRetryAfter,
  providerError,
} from './errors';
export type { HttpFailure, ProviderErrorCode } from './errors';
export {
  base64ToBytes,
  bytesToBase64,
  checkImageBytes,
  DEFAULT_MAX_IMAGE_BYTES,
  FILE_REF_PREFIX,
  fileIdOf,
  fileRef,
  IMAGE_MIME_TYPES,
  isDataUrl,
  parseImageDataUrl,
  sniffImageType,
} from './images';
export type { FileLoader, FileSaver, FileToSave, ImageFetcher, ImageLimits } from './images';
export { DEFAULT_MAX_OUTPUT_TOKENS, getBudget, getPriceTable } from './budget';
export type {
  BudgetReservation,
  ModelCallBudget,
  ModelCallEstimate,
  ModelCallSpend,
} from './budget';
export {
  costOf,
  countUsage,
  defaultPriceTable,
  estimateTokens,
  mergePriceTables,
  priceOf,
} from './pricing';
export type { CountedUsage, ModelPrice, PriceTable } from './pricing';
export { createConcurrencyLimiter } from './limiter';
export type { ConcurrencyLimiter } from './limiter';
export { createProviderSet, noImageGeneration, providerNotConfigured } from './providerSet';
export type {
  Completion,
  FallbackTarget,
  ImageCallRequest,
  ImageCompletion,
  ProviderCallChunk,
  ProviderCallEvent,
  ProviderCallRequest,
  ProviderSet,
  ProviderSetOptions,
  ResilienceOptions,
} from './providerSet';
export type {
  Env,
  GeneratedImages,
  GenerateChunk,
  GenerateImageRequest,
  GenerateRequest,
  ImageData,
  LLMProvider,
  ProviderFactory,
  ResponseSchema,
  Usage,
} from './types';
export {
  catalogProviderList,
  defaultProviderOf,
  describeProviders,
  ProviderListSchema,
  ProviderSummarySchema,
  providerIssues,
} from './listing';
export type { ProviderList, ProviderSummary } from './listing';
