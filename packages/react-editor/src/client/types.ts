import type {
  ExecuteInput,
  ListRunsQuery,
  ProviderList,
  RunEvent,
  RunSnapshot,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
} from '@galaxyflow/engine';

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
  listRuns(query: ListRunsQuery & { workflowId: string }): Promise<RunSummaryPage>;
  getRun(runId: string): Promise<RunSnapshot>;
  /**
   * The model providers the server configured (`GET /providers`). The Provider field then lists
   * exactly those, and a node naming another is flagged before Run. Optional: without it the
   * field lists the built-in providers and nothing is flagged.
   */
  listProviders?(): Promise<ProviderList>;
}
