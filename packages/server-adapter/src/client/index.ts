export { clientErrorCodes, problemCodes } from '../errorCodes';
export type { ClientErrorCode, ProblemCode, ProblemDocument, ProblemIssue } from '../errorCodes';
export { createGalaxyClient } from './createGalaxyClient';
export type { GalaxyClient, GalaxyClientOptions } from './createGalaxyClient';
export { GalaxyApiError, GalaxyConflictError } from './GalaxyApiError';
export type { GalaxyApiErrorInit } from './GalaxyApiError';
export type { UsageQuery, UsageReport } from '@galaxyflow/engine';
export type {
  CreateWorkflowInput,
  ExecuteOptions,
  FilePage,
  FileRecord,
  GetRunOptions,
  LogPage,
  NodeResultPage,
  PageParams,
  ProviderList,
  RunDetail,
  RunItemsParams,
  RunEvent,
  RunListParams,
  RunPage,
  RunRecord,
  SubscribeOptions,
  SubscriptionState,
  UpdateWorkflowInput,
  UploadFileOptions,
  WorkflowListParams,
  WorkflowPage,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersion,
  WorkflowVersionPage,
} from './types';
