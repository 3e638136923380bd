export { clientErrorCodes, problemCodes } from '../errors';
export type { ClientErrorCode, ProblemCode, ProblemDocument, ProblemIssue } from '../errors';
export { createGalaxyClient } from './createGalaxyClient';
export type { GalaxyClient, GalaxyClientOptions } from './createGalaxyClient';
export { GalaxyApiError, GalaxyConflictError } from './GalaxyApiError';
export type { GalaxyApiErrorInit } from './GalaxyApiError';
export type {
  CreateWorkflowInput,
  ExecuteInput,
  ExecuteOptions,
  ListRunsInput,
  PageQuery,
  Run,
  RunDetail,
  RunEvent,
  RunListQuery,
  RunPage,
  RunStatus,
  RunSummaryPage,
  RunSummaryView,
  RunView,
  SaveWorkflowInput,
  StoredWorkflowView,
  SubscribeOptions,
  SubscriptionState,
  UpdateWorkflowInput,
  Workflow,
  WorkflowListQuery,
  WorkflowPage,
  WorkflowSummary,
  WorkflowVersion,
  WorkflowVersionPage,
} from './types';
