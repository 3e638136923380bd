import type {
  ErrorInfo,
  LogEntry,
  NodeResult,
  RunEvent,
  RunStatus,
  Workflow,
  WorkflowInput,
} from '@galaxyflow/engine';

/** A workflow as the server stores it. */
export interface StoredWorkflow {
  id: string;
  name?: string;
  /** Increases on every save; a save names the version it was based on. */
  version: number;
  workflow: Workflow | WorkflowInput;
  updatedAt?: string | number;
}

/** What the editor asks the server to save. */
export interface SaveWorkflowInput {
  id: string;
  workflow: Workflow;
  /** The version the edit is based on: the server answers 409 when it has moved on. */
  expectedVersion?: number;
  name?: string;
}

/** A run request: a saved workflow by id, or an unsaved graph. */
export interface ExecuteInput {
  workflowId?: string;
  nodes?: Workflow['nodes'];
  edges?: Workflow['edges'];
  settings?: Workflow['settings'];
  /** Run only these nodes and their ancestors. */
  targetNodeIds?: string[];
  /** Reuse unchanged outputs of this earlier run. */
  reuseRunId?: string;
}

/** The lifecycle of a stored run. */
export type StoredRunStatus = 'QUEUED' | 'RUNNING' | RunStatus;

/** One line of the run history. */
export interface RunSummary {
  id: string;
  workflowId?: string;
  status: StoredRunStatus;
  /** Epoch ms or an ISO date. */
  startedAt?: string | number;
  createdAt?: string | number;
  durationMs?: number;
}

/** One page of the run history, newest first. */
export interface RunPage {
  items: RunSummary[];
  page: number;
  limit: number;
  /** Every run of the workflow, when the server counts them. */
  total?: number;
  /** Whether a later page exists, when the server does not count. */
  hasMore?: boolean;
}

/** A run with every node result and log line. */
export interface RunRecord extends RunSummary {
  nodes: Record<string, NodeResult>;
  logs: LogEntry[];
  error?: ErrorInfo;
}

export interface ListRunsQuery {
  workflowId: string;
  /** 1-based. Default 1. */
  page?: number;
  /** Default 10. */
  limit?: number;
}

/**
 * What the editor needs from a server. `@galaxyflow/server-adapter/client` satisfies it;
 * `createMemoryClient` is an in-memory implementation for stories, tests and demos.
 * A save refused because the stored version moved on must reject with an error that
 * `isConflictError` recognises (HTTP 409, or `code: 'E_VERSION_CONFLICT'`).
 */
export interface EditorClient {
  getWorkflow(id: string): Promise<StoredWorkflow>;
  saveWorkflow(input: SaveWorkflowInput): Promise<StoredWorkflow>;
  execute(input: ExecuteInput): Promise<{ runId: string }>;
  /** Delivers every event of the run, replaying those already past; returns an unsubscribe. */
  subscribe(runId: string, onEvent: (event: RunEvent) => void): () => void;
  cancel(runId: string): Promise<unknown>;
  listRuns(query: ListRunsQuery): Promise<RunPage>;
  getRun(runId: string): Promise<RunRecord>;
}
