export { clientErrorCodes, problemCodes } from '../errorCodes';
export type { ClientErrorCode, ProblemCode, ProblemDocument, ProblemIssue } from '../errorCodes';
export { createGalaxyClient } from './createGalaxyClient';
export type { GalaxyClient, GalaxyClientOptions } from './createGalaxyClient';
export { GalaxyApiError, GalaxyConflictError } from './GalaxyApiError';
export type { GalaxyApiErrorInit } from './GalaxyApiError';
export { readEventStream } from './readEventStream';
export type { EventStreamHandlers, EventStreamMessage } from './readEventStream';
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
