export { defineNode, inputPortsOf, isValidPortName, outputPortsOf, portOf } from './defineNode';
export {
  CanceledError,
  errorMessages,
  GalaxyError,
  isGalaxyErrorLike,
  isRetryable,
  RetryableError,
  RunOptionsError,
  retryAfterOf,
  TimeoutError,
  toErrorInfo,
  WorkflowValidationError,
} from './errors';
export type { ErrorCode, ErrorInfo, GalaxyErrorOptions, KnownErrorCode, ValidationIssue } from './errors';
export { redactUrls } from './redact';
export {
  ancestorsOf,
  buildGraphIndex,
  descendantsOf,
  findCycles,
  topologicalOrder,
  wouldCreateCycle,
} from './graph';
export type { GraphIndex } from './graph';
export { hashNodeRun, stableStringify } from './hash';
export { builtinNodes, debugNode, imageGenNode, imageNode, jsonNode, llmNode, templateNode, textNode, visionNode } from './nodes/index';
export { fillPrompt } from './nodes/llm';
export { MAX_GENERATED_IMAGES } from './nodes/imageGen';
export { loadImages, MAX_VISION_IMAGES } from './nodes/vision';
export {
  base64ToBytes,
  bytesToBase64,
  checkImageBytes,
  classifyHttpFailure,
  createCircuitBreaker,
  createConcurrencyLimiter,
  createProviderSet,
  createProvidersFromEnv,
  DEFAULT_MAX_IMAGE_BYTES,
  FILE_REF_PREFIX,
  fileIdOf,
  fileRef,
  getFileLoader,
  getFileSaver,
  getImageFetcher,
  getProviderSet,
  getRunId,
  getUserId,
  IMAGE_MIME_TYPES,
  isDataUrl,
  isRetryableStatus,
  llmContext,
  noImageGeneration,
  parseFallbackList,
  parseImageDataUrl,
  parseRetryAfter,
  catalogProviderList,
  defaultProviderOf,
  describeProviders,
  ProviderListSchema,
  ProviderSummarySchema,
  providerIssues,
  providerCatalog,
  providerEnvIssues,
  providerError,
  providerInfo,
  providerNotConfigured,
  sniffImageType,
} from './providers/index';
export type {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitChange,
  CircuitPermit,
  CircuitState,
  CircuitSync,
  Completion,
  ConcurrencyLimiter,
  Env,
  FallbackTarget,
  GeneratedImages,
  GenerateChunk,
  GenerateImageRequest,
  GenerateRequest,
  FileLoader,
  FileSaver,
  FileToSave,
  HttpFailure,
  ImageData,
  ImageCallRequest,
  ImageCompletion,
  ImageFetcher,
  ImageLimits,
  LLMProvider,
  LLMRunContext,
  ProviderCallChunk,
  ProviderCallEvent,
  ProviderCallRequest,
  ProviderEnvIssue,
  ProviderErrorCode,
  ProviderFactory,
  ProviderInfo,
  ProviderList,
  ProviderSummary,
  ProviderSet,
  ProviderSetOptions,
  ProvidersFromEnvOptions,
  ResilienceOptions,
  Usage,
} from './providers/index';
export { nodeTitle, quotedTitle } from './nodeTitle';
export { parseJsonPath, pickJsonPath } from './nodes/json';
export { renderTemplate, templateVariables } from './nodes/template';
export { createRegistry } from './registry';
export type { NodeRegistry } from './registry';
export { computeBackoff, resolveRetryPolicy, sleep } from './retry';
export type { RetryPolicyLayer } from './retry';
export {
  EpochMsSchema,
  ErrorInfoSchema,
  FinalNodeStatusSchema,
  FinalRunStatusSchema,
  finalRunStatuses,
  isFinalRunStatus,
  JsonValueSchema,
  LogEntrySchema,
  LogLevelSchema,
  NodeMetaFallbackSchema,
  NodeMetaSchema,
  NodeResultSchema,
  NodeStatusSchema,
  RunEventSchema,
  RunSnapshotSchema,
  RunStatusSchema,
  RunSummarySchema,
  runEventTypes,
  runStatuses,
} from './model';
export type {
  ExecuteInput,
  ListRunsQuery,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
  StoredWorkflowVersion,
  StoredWorkflowVersionPage,
} from './workflowClient';
export { runWorkflow, startRun } from './run';
export type { DrainOptions, RunHandle } from './run';
export { defaultRunCaps } from './runOptions';
export {
  CommonNodeDataSchema,
  defaultLimits,
  defaultRetryPolicy,
  FailureModeSchema,
  RetryPolicySchema,
  settingBounds,
  WorkflowEdgeSchema,
  WorkflowNodeSchema,
  WorkflowSchema,
  WorkflowSettingsSchema,
} from './schema';
export type {
  CommonNodeData,
  FailureMode,
  RetryPolicy,
  Workflow,
  WorkflowEdge,
  WorkflowInput,
  WorkflowLimits,
  WorkflowNode,
  WorkflowSettings,
} from './schema';
export { readSse } from './sse';
export type { ReadSseOptions, SseEvent } from './sse';
export type {
  AnyNodeDefinition,
  EventOf,
  FieldSpec,
  FinalNodeStatus,
  FinalRunStatus,
  ImageValue,
  InputsOf,
  JsonValue,
  LogEntry,
  LogLevel,
  NodeDefinition,
  NodeMeta,
  NodeAttemptInfo,
  NodeMetaFallback,
  NodeResult,
  NodeRunArgs,
  NodeStatus,
  OutputsOf,
  PortMap,
  PortSpec,
  PortsDef,
  PortType,
  RunCaps,
  RunContext,
  RunEvent,
  RunEventMap,
  RunEventType,
  RunOptions,
  RunResult,
  RunSnapshot,
  RunStatus,
  RunSummary,
} from './types';
export { portTypesCompatible, validateConnection, validateWorkflow } from './validate';
export { isNoteNode, NOTE_COLORS, NOTE_NODE_TYPE, NoteDataSchema, withoutNotes } from './notes';
export type { NoteColor, NoteData, WithoutNotes } from './notes';
export type { ConnectionCheck, ConnectionInput, ValidateOptions, ValidationResult } from './validate';
export type { ValidatedWorkflow } from './validated';
export { activeTraceparent, contextFromTraceparent, TRACER_NAME, traceparentOf } from './tracing';
export type { ProviderCallTrace, RunTraceOptions } from './tracing';
