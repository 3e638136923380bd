export { tokenAuth } from './auth';
export type { AuthAdapter, AuthIdentity, AuthRequest, TokenAuthOptions } from './auth';
export { createGalaxyCore } from './core';
export type { GalaxyCore } from './core';
export { errorCodes, problemCodes, problemType, ProblemError, runErrorCodes } from './errors';
export type {
  HostErrorCode,
  ProblemCode,
  ProblemDocument,
  ProblemIssue,
  RunErrorCode,
  ServerErrorCode,
} from './errors';
export { createMemoryEventBus } from './events';
export type { EventBus, MemoryEventBus, MemoryEventBusOptions, RunEventListener } from './events';
export { defaultWorkerLogger, executeRun } from './executeRun';
export type {
  EngineDefaults,
  ExecuteRunDeps,
  ExecuteRunOutcome,
  WorkerLogger,
} from './executeRun';
export { createGalaxyRouter } from './express';
export type { GalaxyRouter, GalaxyRouterOptions } from './express';
export { createGalaxyFetchHandler } from './fetch';
export type { GalaxyFetchHandler, GalaxyFetchOptions } from './fetch';
export { createInProcessQueue } from './inProcessQueue';
export { errorReportOf } from './observe';
export type {
  ErrorContext,
  ErrorHook,
  ErrorReport,
  GalaxyMetrics,
  RateLimitScope,
  RequestErrorContext,
  RunErrorContext,
  ServerMetrics,
  WorkerMetrics,
} from './observe';
export type { InProcessQueue, InProcessQueueOptions } from './inProcessQueue';
export type { FileOptions, GalaxyLimits, GalaxyOptions } from './options';
export { createDiskBlobStore } from './blobs/diskBlobStore';
export type { DiskBlobStoreOptions } from './blobs/diskBlobStore';
export { imageTypes } from './files/inspectImage';
export { createFileLoader } from './files/fileLoader';
export type { FileLoaderOptions } from './files/fileLoader';
export { createFileSaver } from './files/fileSaver';
export type { FileSaverOptions } from './files/fileSaver';
export { startFileRetention } from './files/retention';
export type { FileRetention, FileRetentionOptions } from './files/retention';
export type { ImageType } from './files/inspectImage';
export type {
  BlobInfo,
  BlobObject,
  BlobPutOptions,
  BlobStore,
  SignedUrlOptions,
} from './blobs/types';
export type { EnqueueInfo, RunQueue } from './queue';
export { createMemoryAuthFailureLimiter, createMemoryRateLimiter } from './rateLimit';
export type {
  AuthFailureLimiter,
  MemoryAuthFailureLimiterOptions,
  MemoryRateLimiter,
  MemoryRateLimiterOptions,
  RateLimitDecision,
  RateLimiter,
  RateLimitRule,
} from './rateLimit';
export { startRunRetention } from './retention';
export type { RetentionLogger, RunRetention, RunRetentionOptions } from './retention';
export type { CoreRequest, CoreResponse } from './routeTypes';
export { createSchemas } from './schemas';
export type { GalaxySchemas } from './schemas';
export type { StreamOptions } from './sse';
export { budgetExceeded, createBudgetGuard } from './budget';
export type {
  BudgetGuard,
  BudgetGuardOptions,
  BudgetStanding,
  BudgetLimitName,
  BudgetLimits,
  BudgetOptions,
  RunBudget,
} from './budget';
export { createMemoryStore } from './store/memoryStore';
export {
  CursorSchema,
  cursorPageSchemaOf,
  ExecutionLogRecordSchema,
  FileRecordSchema,
  NodeResultRecordSchema,
  pageSchemaOf,
  RunCountsSchema,
  RunDetailSchema,
  RunRecordSchema,
  RunScopeSchema,
  BudgetStandingSchema,
  UsageDaySchema,
  UsageGroupBySchema,
  UsageReportSchema,
  UsageRowSchema,
  UsageTotalsSchema,
  UserRecordSchema,
  WorkflowContentSchema,
  WorkflowGraphSchema,
  WorkflowRecordSchema,
  WorkflowSummarySchema,
  WorkflowVersionRecordSchema,
  WorkflowVersionSummarySchema,
} from './store/records';
export type { MemoryStoreOptions } from './store/memoryStore';
export {
  ACTIVE_RUN_STATUSES,
  cursorAfter,
  cursorPageOf,
  DEFAULT_PRUNE_LIMIT,
  queuedCancelError,
} from './store/shared';
export { finalRunStatuses, runStatuses } from './store/types';
export type {
  CancelResult,
  ClaimedRun,
  ClaimOptions,
  CreateFileInput,
  CreateFileResult,
  CreateRunInput,
  CreateRunResult,
  CursorPage,
  CursorQuery,
  DeleteFileResult,
  DeleteRunResult,
  ExecutionLogRecord,
  FileRecord,
  FileStore,
  FinalRunStatus,
  FinishRunInput,
  GalaxyStore,
  IdempotencyRecord,
  LogInput,
  NodeResultInput,
  NodeResultRecord,
  Page,
  PageQuery,
  PruneFilesInput,
  PruneFilesResult,
  PruneRunsInput,
  PruneRunsResult,
  RetentionPolicy,
  RunCounts,
  RunDetail,
  RunDetailQuery,
  RunEventRecord,
  RunListQuery,
  RunProgress,
  RunRecord,
  RunScope,
  RunStatus,
  RunStore,
  SaveResult,
  UsageGroupBy,
  UsageQuery,
  UsageReport,
  UsageRow,
  UsageStore,
  UsageTotals,
  UserRecord,
  UserStore,
  WorkflowContent,
  WorkflowGraph,
  WorkflowListQuery,
  WorkflowRecord,
  WorkflowStore,
  WorkflowSummary,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
} from './store/types';
