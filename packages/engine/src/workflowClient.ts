import type { JsonValue, RunStatus, RunSummary } from './model';
import type { UsageGroupBy } from './runUsage';
import type { Workflow, WorkflowInput } from './schema';

/**
 * What an editor and a server say to each other about saved workflows and runs, named once
 * here because both depend on the engine and on nothing else: `@galaxyflow/react-editor`'s
 * `EditorClient` speaks these, `@galaxyflow/server-adapter/client` and the editor's memory
 * client implement them. Runs travel as the run model's `RunSnapshot` and `RunSummary`.
 */

/** A saved workflow as an editor holds it: its graph as one engine workflow, and its version. */
export interface StoredWorkflow {
  id: string;
  name?: string;
  /** Increases on every save; a save names the version it was based on. */
  version: number;
  workflow: Workflow | WorkflowInput;
  /** When it was last saved. */
  updatedAt?: number;
}

/** A saved workflow as a picker lists it (the Workflow node's): no graph, its current version. */
export type WorkflowChoice = Pick<StoredWorkflow, 'id' | 'name' | 'version' | 'updatedAt'>;

/** What an editor asks the server to save. */
export interface SaveWorkflowInput {
  id: string;
  workflow: Workflow | WorkflowInput;
  /** The version the edit is based on: a server that has moved on refuses with `E_VERSION_CONFLICT`. */
  expectedVersion?: number;
  name?: string;
  description?: string;
  tags?: string[];
}

/**
 * A run request: a saved workflow (`workflowId`, optionally `version`) or an unsaved graph
 * (`nodes`, `edges`, `settings`); either may target nodes or reuse an earlier run.
 */
export interface ExecuteInput {
  workflowId?: string;
  /** With `workflowId`: the saved version to run. Default the current one. */
  version?: number;
  nodes?: WorkflowInput['nodes'];
  edges?: WorkflowInput['edges'];
  settings?: WorkflowInput['settings'];
  /** Run only these nodes and their ancestors. */
  targetNodeIds?: string[];
  /** Reuse the unchanged node results of this earlier run. */
  reuseRunId?: string;
  /** Values of the workflow's Input nodes by name; an Input given none takes its default. */
  inputs?: Record<string, JsonValue>;
}

/** Which runs of a history to list. */
export interface ListRunsQuery {
  workflowId?: string;
  status?: RunStatus;
  /** 1-based. Default 1. */
  page?: number;
  /** Default 20 (the editor asks for 10). */
  limit?: number;
}

/** One page of a run history, newest first. */
export interface RunSummaryPage {
  items: RunSummary[];
  page: number;
  limit: number;
  /** Every matching run, when the server counts them. */
  total?: number;
  /** Whether a later page exists, when the server does not count. */
  hasMore?: boolean;
}

/** Which usage to report (`GET /usage`): whole UTC days, grouped one way. */
export interface UsageQuery {
  /** First day, `YYYY-MM-DD`. Default 29 days before `to`. */
  from?: string;
  /** Last day, included. Default today (UTC). */
  to?: string;
  /** Default `day`. */
  groupBy?: UsageGroupBy;
}

/** One saved version in a workflow's history: the snapshot one save (or restore) wrote. */
export interface StoredWorkflowVersion {
  version: number;
  /** When it was saved, in epoch ms. */
  createdAt: number;
  /** Set when this version was made by restoring an older one. */
  restoredFrom?: number | null;
  /** Who saved it, when the server records it. */
  author?: string;
  workflow: Workflow | WorkflowInput;
}

/** One page of a workflow's versions, newest first; the graphs come one by one. */
export interface StoredWorkflowVersionPage {
  items: Omit<StoredWorkflowVersion, 'workflow'>[];
  page: number;
  limit: number;
  /** Every version, when the server counts them. */
  total?: number;
  /** Whether a later page exists, when the server does not count. */
  hasMore?: boolean;
}
