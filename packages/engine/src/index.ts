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
export type {
  ErrorCode,
  ErrorInfo,
  GalaxyErrorOptions,
  KnownErrorCode,
  ValidationIssue,
} from './errors';
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
export {
  builtinNodes,
  debugNode,
  httpNode,
  ifNode,
  imageGenNode,
  imageNode,
  inputNode,
  jsonNode,
  llmNode,
  llmRouterNode,
  mapNode,
  mergeNode,
  outputNode,
  switchNode,
  templateNode,
  textNode,
  visionNode,
  workflowNode,
} from './nodes/index';
export {
  CombineSchema,
  ConditionOperatorSchema,
  ConditionSchema,
  conditionOperatorLabels,
  evaluateCondition,
  evaluateConditions,
  MAX_CONDITIONS,
  operatorTakesRight,
} from './conditions/conditions';
export type {
  Combine,
  Condition,
  ConditionInput,
  ConditionOperator,
  ConditionOptions,
} from './conditions/conditions';
export {
  compileSafeRegex,
  MAX_PATTERN_LENGTH,
  MAX_REGEX_INPUT,
  UnsafePatternError,
} from './conditions/safeRegex';
export type { SafeRegex } from './conditions/safeRegex';
export { SWITCH_DEFAULT } from './nodes/switch';
export { MAX_ROUTES, routeChoiceSchema } from './nodes/router';
export {
  getHttpRequester,
  getSecret,
  HTTP_METHODS,
  hostAllowed,
  httpVariables,
  SECRET_NAME,
} from './nodes/http';
export type {
  HttpRequest,
  HttpRequester,
  HttpResponse,
  HttpRunContext,
  SecretEntry,
  SecretSource,
} from './nodes/http';
export type { Route } from './nodes/router';
export type { MapItemResult } from './nodes/map';
export {
  checkWorkflowReferences,
  portMapOf,
  workflowInterface,
  workflowReferences,
} from './workflowInterface';
export type {
  CheckReferencesOptions,
  WorkflowInterface,
  WorkflowPort,
  WorkflowReference,
} from './workflowInterface';
export { fillPrompt } from './nodes/llm';
export { callStructured } from './nodes/structured';
export type { StructuredAnswer, StructuredCallOptions } from './nodes/structured';
export {
  compileJsonSchema,
  isFieldSchema,
  MAX_SCHEMA_BYTES,
  readJsonSchema,
  SCHEMA_FIELD_TYPES,
  schemaFields,
  schemaFromFields,
  schemaOutputPorts,
} from './jsonSchema';
export type { JsonSchema, JsonSchemaValidator, SchemaField, SchemaFieldType } from './jsonSchema';
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
  costOf,
  countUsage,
  DEFAULT_MAX_OUTPUT_TOKENS,
  defaultPriceTable,
  estimateTokens,
  getBudget,
  getPriceTable,
  mergePriceTables,
  priceOf,
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
  BudgetReservation,
  CountedUsage,
  ModelCallBudget,
  ModelCallEstimate,
  ModelCallSpend,
  ModelPrice,
  PriceTable,
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
  ResponseSchema,
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
  ChildNodeEventSchema,
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
export {
  BudgetStandingSchema,
  RunModelSchema,
  RunUsageSchema,
  sumRunUsage,
  UsageDaySchema,
  UsageGroupBySchema,
  UsageReportSchema,
  UsageRowSchema,
  UsageTotalsSchema,
} from './runUsage';
export type {
  BudgetStanding,
  RunUsage,
  UsageGroupBy,
  UsageReport,
  UsageRow,
  UsageTotals,
} from './runUsage';
export type {
  ExecuteInput,
  ListRunsQuery,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
  UsageQuery,
  WorkflowChoice,
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
  ChildNodeEvent,
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
  WorkflowLoader,
  WorkflowRef,
} from './types';
export { portTypesCompatible, validateConnection, validateWorkflow } from './validate';
export { isNoteNode, NOTE_COLORS, NOTE_NODE_TYPE, NoteDataSchema, withoutNotes } from './notes';
export type { NoteColor, NoteData, WithoutNotes } from './notes';
export type {
  ConnectionCheck,
  ConnectionInput,
  ValidateOptions,
  ValidationResult,
} from './validate';
export type { ValidatedWorkflow } from './validated';
export { activeTraceparent, contextFromTraceparent, TRACER_NAME, traceparentOf } from './tracing';
export type { ProviderCallTrace, RunTraceOptions } from './tracing';
