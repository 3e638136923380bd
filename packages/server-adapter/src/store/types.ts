import type {
  ErrorInfo,
  FinalRunStatus,
  JsonValue,
  LogEntry,
  RunEvent,
  RunStatus,
  RunUsage,
} from '@galaxyflow/engine';
import type {
  CursorPage,
  ExecutionLogRecord,
  FileRecord,
  NodeResultRecord,
  Page,
  RunCounts,
  RunDetail,
  RunRecord,
  RunScope,
  UsageGroupBy,
  UsageRow,
  UsageTotals,
  UserRecord,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
} from './records';

/**
 * The store's interfaces and what they take. The records they return are written once, in
 * zod, in `records.ts` (and inferred here): epoch ms timestamps, built from the engine's run
 * model.
 */

export type { FinalRunStatus, RunStatus } from '@galaxyflow/engine';
export { finalRunStatuses, runStatuses } from '@galaxyflow/engine';
export type {
  CursorPage,
  ExecutionLogRecord,
  FileRecord,
  NodeResultRecord,
  Page,
  RunCounts,
  RunDetail,
  RunRecord,
  RunScope,
  UsageGroupBy,
  UsageReport,
  UsageRow,
  UsageTotals,
  UserRecord,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
} from './records';

/** One stored engine event of a run, numbered from 1 without gaps: the SSE `id:`. */
export interface RunEventRecord {
  runId: string;
  seq: number;
  event: RunEvent;
}

export interface PageQuery {
  /** 1-based. */
  page: number;
  limit: number;
}

export interface WorkflowListQuery extends PageQuery {
  /** Matches name, description or tags, case-insensitively. */
  q?: string;
}

export interface RunListQuery extends PageQuery {
  status?: RunStatus;
  workflowId?: string;
}

/** A page of a run's node results or log lines. */
export interface CursorQuery {
  /** A `next` cursor this store returned for the same run and list. Default: from the first. */
  after?: string;
  /** At most this many items. */
  limit: number;
}

export interface RunDetailQuery {
  /**
   * At most this many node results and as many log lines, with the cursors of the rest
   * (`nodeResultsNext`, `logsNext`). Default: every one, and both cursors null.
   */
  limit?: number;
}

/**
 * Which finished runs a host keeps. A run goes when either rule says so; a rule left out
 * keeps everything. QUEUED and RUNNING runs are never pruned, nor a finished run that a
 * QUEUED or RUNNING run reuses the results of.
 */
export interface RetentionPolicy {
  /** Delete finished runs that ended more than this many ms ago. Default: no age limit. */
  olderThanMs?: number;
  /**
   * Keep the newest this many finished runs of each workflow (an owner's unsaved-graph runs
   * count as one workflow) and delete the older ones. Default: no count limit.
   */
  keepPerWorkflow?: number;
}

export interface PruneRunsInput extends RetentionPolicy {
  /** The time the age rule counts from, in epoch ms. Default: the store's clock. */
  now?: number;
  /** Most runs deleted by this call, in one transaction; call again while it returns this many. Default 100. */
  limit?: number;
}

export interface PruneRunsResult {
  /** Runs deleted, with their node results, logs, events and idempotency keys. */
  deleted: number;
}

export type DeleteRunResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'active'; run: RunRecord };

/** The result of a guarded write: the caller's version must still be the stored one. */
export type SaveResult =
  | { ok: true; workflow: WorkflowRecord }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'version_conflict'; currentVersion: number };

export interface CreateRunInput {
  workflowId: string | null;
  workflowVersion: number | null;
  /** Required for ad-hoc runs; for saved workflows the version snapshot is the graph. */
  graph: WorkflowGraph | null;
  scope: RunScope;
  targetNodeIds: string[] | null;
  reuseRunId: string | null;
  /**
   * The W3C `traceparent` of the request that made the run: the worker's run span continues
   * that trace, in whatever process it runs. Default: none, the run starts its own trace.
   */
  traceparent?: string | null;
  /** Values of the workflow's Input nodes by name (`RunOptions.inputs`). Default: none. */
  inputs?: Record<string, JsonValue> | null;
  /** Makes a retried request answer with the run the first one made. */
  idempotency?: { key: string; requestHash: string; ttlMs: number };
}

/** What an `Idempotency-Key` remembers. */
export interface IdempotencyRecord {
  /** Hash of the request body the key was first used with. */
  requestHash: string;
  /** The run that request made. */
  runId: string;
}

export type CreateRunResult =
  | { ok: true; run: RunRecord; replayed: boolean }
  | { ok: false; reason: 'idempotency_conflict'; runId: string };

/** A run a worker holds the lease of. */
export interface ClaimedRun {
  run: RunRecord;
  graph: WorkflowGraph;
  /** The `traceparent` the run was created with (`CreateRunInput.traceparent`), if any. */
  traceparent?: string | null;
  /** The Input values the run was created with (`CreateRunInput.inputs`), if any. */
  inputs?: Record<string, JsonValue> | null;
  leaseOwner: string;
  /** Epoch ms; the lease must be renewed before then or another worker may take the run. */
  leaseExpiresAt: number;
}

export interface ClaimOptions {
  /** Who claims: a stable id per worker process. */
  workerId: string;
  /** How long the lease lasts before it must be renewed, in ms. */
  leaseMs: number;
  /** Claim this run only; default: the oldest claimable run. */
  runId?: string;
  /**
   * Passes over QUEUED runs whose owner already has this many RUNNING runs: the per-user cap
   * on concurrent runs, kept across every worker sharing the store. Runs with an expired
   * lease are resumed whatever the cap, and a claim by `runId` ignores it. Default: no cap.
   */
  maxRunningPerOwner?: number;
}

/** What a worker records while a run goes on; a store writes it in one transaction. */
export interface RunProgress {
  /** Results to insert or replace (one row per run and node). Default none. */
  nodeResults?: readonly NodeResultInput[];
  /** Log lines to append, in order. Default none. */
  logs?: readonly LogInput[];
  /** Events to append after the last one, numbered in order. Default none. */
  events?: readonly RunEvent[];
}

export interface FinishRunInput {
  status: FinalRunStatus;
  error: ErrorInfo | null;
  counts: RunCounts;
  durationMs: number;
  /** What the run's model calls used (`sumRunUsage` of its results). Default: none recorded. */
  usage?: RunUsage;
  /**
   * The last progress (typically the `run:finish` event), written in the same transaction as
   * the end, so a run that ended always carries its final event and results. Default none.
   */
  progress?: RunProgress;
}

export type CancelResult =
  | { ok: true; run: RunRecord }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'finished'; run: RunRecord };

/** A node's result as a worker records it: the record without the run id it is written to. */
export type NodeResultInput = Omit<NodeResultRecord, 'runId'>;

/** A log line as a worker records it: the engine's own; the store numbers it. */
export type LogInput = LogEntry;

/** Users, created on their first authenticated request. */
export interface UserStore {
  /** Creates the user if new and records that they were seen. */
  ensureUser(userId: string): Promise<UserRecord>;
}

/**
 * Saved workflows and their version snapshots. Every method is scoped to an owner: another
 * owner's id behaves exactly like an id that does not exist.
 */
export interface WorkflowStore {
  /** Creates version 1 and its snapshot in one transaction. */
  createWorkflow(ownerId: string, content: WorkflowContent): Promise<WorkflowRecord>;
  /** Soft-deleted workflows are not found. */
  getWorkflow(ownerId: string, workflowId: string): Promise<WorkflowRecord | undefined>;
  /** Newest first, without soft-deleted workflows, with run count and last run status. */
  listWorkflows(ownerId: string, query: WorkflowListQuery): Promise<Page<WorkflowSummary>>;
  /** Saves the fields given if `expectedVersion` is current; writes the next snapshot. */
  updateWorkflow(
    ownerId: string,
    workflowId: string,
    changes: Partial<WorkflowContent>,
    expectedVersion: number,
  ): Promise<SaveResult>;
  /** Soft delete; false when not found. Runs and snapshots stay for the history. */
  deleteWorkflow(ownerId: string, workflowId: string): Promise<boolean>;
  /** Newest first; undefined when the workflow is not found. */
  listWorkflowVersions(
    ownerId: string,
    workflowId: string,
    query: PageQuery,
  ): Promise<Page<WorkflowVersionSummary> | undefined>;
  getWorkflowVersion(
    ownerId: string,
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined>;
  /**
   * Makes `version`'s content current as a new version (history is never rewritten).
   * `expectedVersion` guards like `updateWorkflow`; undefined result when `version` is missing.
   */
  restoreWorkflowVersion(
    ownerId: string,
    workflowId: string,
    version: number,
    expectedVersion: number | undefined,
  ): Promise<SaveResult | { ok: false; reason: 'version_not_found' }>;
}

/**
 * Runs, their node results, logs and events. The owner-scoped methods serve the API; the
 * worker methods (claim, renew, record, finish) serve the queue and act by run id.
 */
export interface RunStore {
  /** Creates a QUEUED run, honouring the idempotency key in the same transaction. */
  createRun(ownerId: string, input: CreateRunInput): Promise<CreateRunResult>;
  getRun(ownerId: string, runId: string): Promise<RunRecord | undefined>;
  /**
   * The run with its graph, node results (in start order) and logs: all of them, or with
   * `query.limit` the first page of each and the cursors of the rest.
   */
  getRunDetail(
    ownerId: string,
    runId: string,
    query?: RunDetailQuery,
  ): Promise<RunDetail | undefined>;
  /**
   * The run's node results in start order, after `query.after`; a result that is rewritten
   * keeps its place. Undefined when the run is not found.
   */
  listRunNodeResults(
    ownerId: string,
    runId: string,
    query: CursorQuery,
  ): Promise<CursorPage<NodeResultRecord> | undefined>;
  /** The run's log lines in the order written, after `query.after`. Undefined when the run is not found. */
  listRunLogs(
    ownerId: string,
    runId: string,
    query: CursorQuery,
  ): Promise<CursorPage<ExecutionLogRecord> | undefined>;
  /**
   * Deletes a finished run with its node results, logs, events and idempotency keys, in one
   * transaction. A QUEUED or RUNNING run is `active` and stays (cancel it first).
   */
  deleteRun(ownerId: string, runId: string): Promise<DeleteRunResult>;
  /**
   * Deletes finished runs past `input`'s policy, whoever owns them, with everything
   * `deleteRun` deletes, oldest first and at most `input.limit` per call (one transaction).
   */
  pruneRuns(input: PruneRunsInput): Promise<PruneRunsResult>;
  /** Newest first. */
  listRuns(ownerId: string, query: RunListQuery): Promise<Page<RunRecord>>;
  /**
   * QUEUED runs end CANCELED at once, in one transaction with a `run:finish` event (so event
   * streams of the run end): a run handed back after a graceful stop keeps its finished node
   * results, its open (RUNNING) ones end CANCELED, and its counts and duration (from its
   * first start) are set. RUNNING runs get `cancelRequestedAt` and stop when the worker
   * sees it. Canceling twice is not an error and appends nothing; a run that ended
   * otherwise is `finished`.
   */
  requestCancel(ownerId: string, runId: string): Promise<CancelResult>;
  /**
   * The unexpired record of an `Idempotency-Key`, so a retried request is answered before
   * anything else is checked. Undefined when the key is unknown or expired.
   */
  getIdempotencyKey(ownerId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Ends a QUEUED run that no worker will ever take (handing it to the queue failed): FAILED
   * with `error` and a `run:finish` event, and the Idempotency-Keys pointing at it are
   * forgotten, so a retry with the same key makes a new run. One transaction; false (and
   * nothing changed) when the run is not QUEUED.
   */
  abandonRun(runId: string, error: ErrorInfo): Promise<boolean>;
  /** Records the queue backend's id for the run. */
  setRunExternalId(runId: string, externalId: string): Promise<void>;

  /**
   * Takes a QUEUED run, or a RUNNING one whose lease expired, in one transaction: sets it
   * RUNNING under a lease owned by `workerId` and counts the claim in `attempts`, and a
   * takeover of an expired lease in `interruptions` too. Two workers never hold one run.
   */
  claimRun(options: ClaimOptions): Promise<ClaimedRun | undefined>;
  /** Extends the lease; false when `workerId` no longer holds it (stop working on the run). */
  renewLease(runId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /**
   * Hands a held run back: QUEUED again with its lease cleared (attempts and results kept),
   * so the next claim resumes it at once. False, and nothing changed, without the lease.
   */
  releaseRun(runId: string, workerId: string): Promise<boolean>;
  /** The run by id whoever owns it, for workers. Request handlers use the owner-scoped `getRun`. */
  getRunById(runId: string): Promise<RunRecord | undefined>;
  /**
   * How many runs wait for a worker (QUEUED), whoever owns them: the queue depth a metrics
   * scrape reads. Optional; the store contract checks it where a store has it.
   */
  countQueuedRuns?(): Promise<number>;
  /**
   * Writes node results, log lines and events in one transaction, only while `workerId`
   * holds the run's lease. Returns the stored events with their `seq`, or undefined (and
   * nothing written) when the lease is gone: a worker that lost its run can no longer touch it.
   */
  recordRunProgress(
    runId: string,
    workerId: string,
    progress: RunProgress,
  ): Promise<RunEventRecord[] | undefined>;
  /** Inserts or replaces the node's result; the store keeps one row per run and node. */
  recordNodeResult(runId: string, result: NodeResultInput): Promise<void>;
  /** Appends log lines in one transaction. */
  appendLogs(runId: string, logs: readonly LogInput[]): Promise<void>;
  /** Appends events in one transaction, numbering them after the last; returns the records. */
  appendRunEvents(runId: string, events: readonly RunEvent[]): Promise<RunEventRecord[]>;
  /** Events with `seq` greater than `afterSeq`, in order, at most `limit` (default all). */
  listRunEvents(runId: string, afterSeq: number, limit?: number): Promise<RunEventRecord[]>;
  /**
   * Ends the run and writes `input.progress` in one transaction if `workerId` holds its lease;
   * false (and nothing written) otherwise.
   */
  finishRun(runId: string, workerId: string, input: FinishRunInput): Promise<boolean>;
}

/** Everything the API keeps, behind one object. `createSqliteStore` is the default. */
/** What a new file row holds; its bytes are already in the blob store under `sha256`. */
export interface CreateFileInput {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  /** The run that produced it (a generated image): the run then refers to it. Default none. */
  runId?: string;
  /** Refuses the file when the owner's files would then total more bytes. Default: no cap. */
  maxBytesPerOwner?: number;
}

export type CreateFileResult =
  | { ok: true; file: FileRecord }
  /** The owner's files already take `usedBytes`; this one would pass the cap. Nothing was written. */
  | { ok: false; reason: 'quota'; usedBytes: number };

/** `blobInUse`: another file row still has the same bytes, so the blob must stay. */
export type DeleteFileResult =
  | { ok: true; file: FileRecord; blobInUse: boolean }
  | { ok: false; reason: 'not_found' };

export interface PruneFilesInput {
  /** Files created longer ago than this, in ms, that nothing refers to are deleted. */
  olderThanMs: number;
  /** Clock in epoch ms. Default the store's. */
  now?: number;
  /** Files deleted at most per call. Default 500. */
  limit?: number;
}

export interface PruneFilesResult {
  /** The file rows deleted. */
  deleted: FileRecord[];
  /** Blob keys no file row has any more: delete them from the blob store. */
  orphanedBlobs: string[];
}

/**
 * Files and who refers to them. A workflow refers to the files its graph names (`fileId` in a
 * node's data) from the save that named them until the workflow is deleted; a run refers to
 * the files of the graph it ran and those it produced until the run is deleted. Both are
 * recorded in the transaction that saves the workflow or creates the run.
 */
export interface FileStore {
  /** Records a file, within the owner's byte cap checked in the same transaction. */
  createFile(ownerId: string, input: CreateFileInput): Promise<CreateFileResult>;
  getFile(ownerId: string, fileId: string): Promise<FileRecord | undefined>;
  /** Newest first. */
  listFiles(ownerId: string, query: PageQuery): Promise<Page<FileRecord>>;
  /** Deletes the owner's file whoever refers to it (the owner's choice). */
  deleteFile(ownerId: string, fileId: string): Promise<DeleteFileResult>;
  /** Whether any file row (any owner's) has these bytes, so their blob must stay. */
  blobInUse(sha256: string): Promise<boolean>;
  /** Bytes and count of the owner's files. */
  fileUsage(ownerId: string): Promise<{ bytes: number; count: number }>;
  /** Deletes old files no workflow (not deleted) and no run refers to; never a referenced one. */
  pruneFiles(input: PruneFilesInput): Promise<PruneFilesResult>;
}

/** Which usage a report sums: a period of whole UTC days, grouped one way. */
export interface UsageQuery {
  /** One owner's usage; absent: every owner's (a host's own report, never a public route). */
  ownerId?: string;
  /** First day, `YYYY-MM-DD` (UTC). */
  from: string;
  /** Last day, included. */
  to: string;
  /** `day`, `workflow` or `model` (provider and model); with no `ownerId`, rows are also split by owner. */
  groupBy: UsageGroupBy;
}

/**
 * Token and cost totals per owner, UTC day, workflow and model. A node result that made a
 * model call (it has `meta.usage`, is final, and was not reused from an earlier run) is added
 * in the transaction that writes it, once per run and node: writing the same node's result
 * again (a resumed run, a retried write) adds nothing.
 */
export interface UsageStore {
  /** Totals of the period, grouped, ordered by their key. */
  listUsage(query: UsageQuery): Promise<UsageRow[]>;
  /** An owner's totals over a period: what budgets compare their limits with. */
  usageTotals(ownerId: string, from: string, to: string): Promise<UsageTotals>;
}

export interface GalaxyStore extends UserStore, WorkflowStore, RunStore {
  /** Files, when the store keeps them: the `/files` routes need it. Default none. */
  files?: FileStore;
  /** The token and cost ledger, when the store keeps one: `/usage` and budgets need it. Default none. */
  usage?: UsageStore;
  /** Throws when the storage cannot answer a read. */
  ping(): Promise<void>;
  /**
   * Throws when the storage cannot take a write (a read-only file or replica, a full disk, a
   * lost connection), for `GET /ready` and start-up checks. Writes and rolls back, so it
   * leaves nothing behind.
   */
  checkWritable(): Promise<void>;
  /** Releases the connection. */
  close(): Promise<void>;
}
