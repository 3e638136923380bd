import type {
  ErrorInfo,
  LogEntry,
  NodeResult,
  RunEvent,
  Workflow as EngineWorkflow,
} from '@galaxyflow/engine';
import type { z } from 'zod';
import type { GalaxySchemas } from '../schemas';

/** The API's records and bodies, typed from the same zod schemas the server parses with. */
type Out<K extends keyof GalaxySchemas> = z.output<GalaxySchemas[K]>;
type In<K extends keyof GalaxySchemas> = z.input<GalaxySchemas[K]>;

/** A saved workflow, as `GET /workflows/:id` sends it. */
export type Workflow = Out<'Workflow'>;
/** A row of `GET /workflows`. */
export type WorkflowSummary = Out<'WorkflowPage'>['items'][number];
export type WorkflowPage = Out<'WorkflowPage'>;
/** One saved version's snapshot. */
export type WorkflowVersion = Out<'WorkflowVersion'>;
export type WorkflowVersionPage = Out<'WorkflowVersionPage'>;
/** A run record, as `GET /runs` lists it. */
export type Run = Out<'Run'>;
export type RunPage = Out<'RunPage'>;
/** A run with its graph, node results and logs (`GET /runs/:id`). */
export type RunDetail = Out<'RunDetail'>;
export type RunStatus = Run['status'];

/** `POST /workflows` body. */
export type CreateWorkflowInput = In<'WorkflowCreateBody'>;
/** `PUT /workflows/:id` body: the fields to change and the version they were based on. */
export type UpdateWorkflowInput = Omit<In<'WorkflowUpdateBody'>, 'expectedVersion'> & {
  expectedVersion: number;
};
export type WorkflowListQuery = Partial<In<'WorkflowListQuery'>>;
export type RunListQuery = Partial<In<'RunListQuery'>>;
export type PageQuery = Partial<In<'PageQuery'>>;

/**
 * A run request: a saved workflow (`workflowId`, optionally `version`) or an unsaved graph
 * (`nodes`, `edges`, `settings`); either may target nodes or reuse an earlier run.
 */
export interface ExecuteInput {
  workflowId?: string;
  /** With `workflowId`: the saved version to run. Default the current one. */
  version?: number;
  nodes?: readonly unknown[];
  edges?: readonly unknown[];
  settings?: unknown;
  /** Run only these nodes and their ancestors. */
  targetNodeIds?: string[];
  /** Reuse the unchanged node results of this earlier run. */
  reuseRunId?: string;
}

export interface ExecuteOptions {
  /** Sent as `Idempotency-Key`: a retried request gets the first one's run. Default none. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Where a subscription stands. */
export type SubscriptionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SubscribeOptions {
  /** Resume after this event number (an earlier subscription's last `seq`). Default 0: from the start. */
  lastEventId?: number;
  /** Every event comes with its number; keep the last to resume later. */
  onEventId?(seq: number): void;
  /** Connection problems; the subscription keeps retrying unless the error is final (404, 401, 400). */
  onError?(error: unknown): void;
  /** Each change of state; `closed` comes once, after `run:finish`, a final error or unsubscribe. */
  onStateChange?(state: SubscriptionState): void;
}

/** A saved workflow as the editor holds it: the record plus its graph as one engine workflow. */
export type StoredWorkflowView = Workflow & { workflow: EngineWorkflow };

/** What the editor saves. */
export interface SaveWorkflowInput {
  id: string;
  workflow: EngineWorkflow;
  /** The version the edit is based on; without it the save overwrites whatever is stored. */
  expectedVersion?: number;
  name?: string;
  description?: string;
  tags?: string[];
}

/** One line of the run history, without the fields the run does not have yet. */
export interface RunSummaryView {
  id: string;
  workflowId?: string;
  workflowVersion?: number;
  status: RunStatus;
  scope: Run['scope'];
  counts: Run['counts'];
  attempts: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: ErrorInfo;
}

export interface RunSummaryPage {
  items: RunSummaryView[];
  page: number;
  limit: number;
  total: number;
}

/** A run as the editor shows it: engine-shaped node results (finished nodes) and log lines. */
export interface RunView extends RunSummaryView {
  nodes: Record<string, NodeResult>;
  logs: LogEntry[];
  graph: RunDetail['graph'];
}

/** Options of the editor-facing `listRuns`. */
export interface ListRunsInput {
  workflowId?: string;
  status?: RunStatus;
  /** 1-based. Default 1. */
  page?: number;
  /** Default 20. */
  limit?: number;
}

export type { RunEvent };
