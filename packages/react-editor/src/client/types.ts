import type {
  ExecuteInput,
  ListRunsQuery,
  ProviderList,
  RunEvent,
  RunSnapshot,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
  WorkflowChoice,
  UsageQuery,
  UsageReport,
  StoredWorkflowVersion,
  StoredWorkflowVersionPage,
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
  /**
   * The user's saved workflows, for the Workflow node's picker. Optional: without it the picker
   * says this host lists no workflows, and a Workflow node keeps the one it was given.
   */
  listWorkflows?(): Promise<WorkflowChoice[]>;
  /** One saved version of a workflow: the picker reads its Inputs and Outputs to make the node's ports. */
  getWorkflowVersion?(id: string, version: number): Promise<StoredWorkflow>;
  /**
   * The signed-in user's model calls' tokens and cost per day, workflow or model (the server's
   * `GET /usage`). Optional: without it the toolbar's More menu offers no Usage view.
   */
  usage?(query?: UsageQuery): Promise<UsageReport>;
  /**
   * A page of the workflow's saved versions, newest first (`GET /workflows/:id/versions`).
   * Optional, with `getVersion` and `restoreVersion`: without all three there is no Versions panel.
   */
  listVersions?(
    workflowId: string,
    query?: { page?: number; limit?: number },
  ): Promise<StoredWorkflowVersionPage>;
  /** One saved version with its graph. */
  getVersion?(workflowId: string, version: number): Promise<StoredWorkflowVersion>;
  /**
   * Saves an old version as the next one (`POST /workflows/:id/versions/:version/restore`);
   * a stale `expectedVersion` rejects as a conflict. Resolves with the workflow as it now is.
   */
  restoreVersion?(
    workflowId: string,
    version: number,
    expectedVersion?: number,
  ): Promise<StoredWorkflow>;
  /**
   * Where dropped and pasted images go (the server's `/files`). Optional: without it, dropping
   * a file on the canvas says the host takes no files, and Image nodes take URLs only.
   */
  files?: EditorFileClient;
}

/** An uploaded file as the editor shows it; the server's file record has at least these fields. */
export interface EditorFile {
  id: string;
  name: string;
  contentType: string;
  /** Bytes. */
  size: number;
}

export interface EditorUploadOptions {
  /** The name downloads get. */
  name?: string;
  signal?: AbortSignal;
  /**
   * Called as bytes go out, when the client can tell; the editor shows a bar that fills.
   * A client that cannot (a `fetch` upload) never calls it, and the bar runs without a measure.
   */
  onProgress?: (loaded: number, total: number) => void;
}

/** The file methods of an `EditorClient`: `@galaxyflow/server-adapter/client`'s `files` fits. */
export interface EditorFileClient {
  /** Stores an image; rejects with the server's problem (type, size, quota) when refused. */
  upload(file: Blob, options?: EditorUploadOptions): Promise<EditorFile>;
  /** The file's bytes, for a thumbnail (an `<img>` cannot send the auth header). */
  content(id: string, options?: { signal?: AbortSignal }): Promise<Blob>;
}
