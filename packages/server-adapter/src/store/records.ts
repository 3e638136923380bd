import {
  EpochMsSchema,
  ErrorInfoSchema,
  LogEntrySchema,
  NodeResultSchema,
  RunStatusSchema,
  RunUsageSchema,
  WorkflowEdgeSchema,
  WorkflowNodeSchema,
  WorkflowSettingsSchema,
} from '@galaxyflow/engine';
import * as z from 'zod';

// The ledger's wire shapes are the run model's (the editor reads them too): written in the engine.
export {
  BudgetStandingSchema,
  UsageDaySchema,
  UsageGroupBySchema,
  UsageReportSchema,
  UsageRowSchema,
  UsageTotalsSchema,
} from '@galaxyflow/engine';
export type {
  BudgetStanding,
  UsageGroupBy,
  UsageReport,
  UsageRow,
  UsageTotals,
} from '@galaxyflow/engine';

/**
 * Records as stores return them and the API sends them, written once in zod and built from
 * the engine's run model: the store's types are inferred from these, and the API's response
 * schemas (and so `openapi.json`) are these same objects. Timestamps are epoch ms, as in the
 * engine; a store that keeps another form converts in its own row mapping. Every record is
 * plain JSON. A record's own fields are `null` when empty; the engine's shapes it extends
 * (node results, log lines, settings) keep their optional fields absent, as the engine does.
 */

const Version = z.number().int().min(1);
const Count = z.number().int();

/** FULL runs every node; PARTIAL runs target nodes and their ancestors. */
export const RunScopeSchema = z.enum(['FULL', 'PARTIAL']);

/** A person using the API, created on their first authenticated request. */
export const UserRecordSchema = z.object({
  id: z.string(),
  createdAt: EpochMsSchema,
  lastSeenAt: EpochMsSchema,
});

/**
 * The graph of a workflow: what the editor draws and the engine runs. `settings` is absent
 * when the workflow has none, as in the engine's `Workflow`.
 */
export const WorkflowGraphSchema = z.object({
  nodes: z.array(WorkflowNodeSchema),
  edges: z.array(WorkflowEdgeSchema),
  settings: WorkflowSettingsSchema.optional(),
});

/** The fields a user edits. */
export const WorkflowContentSchema = WorkflowGraphSchema.extend({
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
});

export const WorkflowRecordSchema = WorkflowContentSchema.extend({
  id: z.string(),
  ownerId: z.string(),
  /** Starts at 1; every save adds one and writes a snapshot. */
  version: Version,
  createdAt: EpochMsSchema,
  updatedAt: EpochMsSchema,
});

/** A row of the workflow list. */
export const WorkflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  version: Version,
  nodeCount: Count,
  runCount: Count,
  lastRunStatus: RunStatusSchema.nullable(),
  lastRunAt: EpochMsSchema.nullable(),
  createdAt: EpochMsSchema,
  updatedAt: EpochMsSchema,
});

/** The snapshot written by one save. */
export const WorkflowVersionRecordSchema = WorkflowContentSchema.extend({
  workflowId: z.string(),
  version: Version,
  /** Set when this version was made by restoring an older one. */
  restoredFrom: Version.nullable(),
  createdAt: EpochMsSchema,
});

export const WorkflowVersionSummarySchema = z.object({
  workflowId: z.string(),
  version: Version,
  name: z.string(),
  nodeCount: Count,
  edgeCount: Count,
  restoredFrom: Version.nullable(),
  createdAt: EpochMsSchema,
});

/** How many of a run's nodes ended each way. */
export const RunCountsSchema = z.object({
  total: Count,
  success: Count,
  failed: Count,
  skipped: Count,
  canceled: Count,
});

export const RunRecordSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  /** The saved workflow it runs, or null for an unsaved graph. */
  workflowId: z.string().nullable(),
  workflowVersion: Version.nullable(),
  status: RunStatusSchema,
  scope: RunScopeSchema,
  targetNodeIds: z.array(z.string()).nullable(),
  /** An earlier run whose unchanged node results this run reuses. */
  reuseRunId: z.string().nullable(),
  counts: RunCountsSchema,
  error: ErrorInfoSchema.nullable(),
  /** The id the queue backend gave the job (e.g. a Trigger.dev run id). */
  externalId: z.string().nullable(),
  /** How many times a worker claimed it; above one means it was resumed (handed over or crashed). */
  attempts: Count,
  /**
   * How many times a claim took the run over from a worker whose lease had expired (a crash
   * or a stall). A graceful hand-over (`releaseRun`) does not count: deploys do not use up a
   * run's allowance of interruptions.
   */
  interruptions: Count,
  createdAt: EpochMsSchema,
  startedAt: EpochMsSchema.nullable(),
  finishedAt: EpochMsSchema.nullable(),
  durationMs: z.number().nullable(),
  cancelRequestedAt: EpochMsSchema.nullable(),
  /**
   * What its model calls used, summed over its node results when it ended (the engine's
   * `sumRunUsage`); null while it runs, when it ended without running, or when the store does
   * not keep it.
   */
  usage: RunUsageSchema.nullable(),
});

/**
 * The engine's `NodeResult` of one node of one run: the record is the result plus its ids, so
 * the worker stores what the engine reports as it is, and a resumed run reads it back as it is.
 */
export const NodeResultRecordSchema = NodeResultSchema.extend({
  runId: z.string(),
  nodeId: z.string(),
});

/** The engine's `LogEntry` of a run, numbered. */
export const ExecutionLogRecordSchema = LogEntrySchema.extend({
  /** Increases with every line written, across runs. */
  id: z.number().int(),
  runId: z.string(),
});

/**
 * Where the next page of a run's node results or logs starts: pass it back as `after`. Opaque
 * to clients (a store numbers its rows its own way); null when the last page was read.
 */
export const CursorSchema = z.string().nullable();

/** A page of a run's node results or logs, in the order they were first written. */
export function cursorPageSchemaOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: CursorSchema });
}

export const RunDetailSchema = z.object({
  run: RunRecordSchema,
  /** The graph the run executes (the saved version's snapshot, or the ad-hoc graph). */
  graph: WorkflowGraphSchema,
  /** In start order: every one, or the first page when the reader asked for a page. */
  nodeResults: z.array(NodeResultRecordSchema),
  /** In the order written: every one, or the first page when the reader asked for a page. */
  logs: z.array(ExecutionLogRecordSchema),
  /** The cursor of the node results after `nodeResults`; null when it holds them all. */
  nodeResultsNext: CursorSchema,
  /** The cursor of the log lines after `logs`; null when it holds them all. */
  logsNext: CursorSchema,
});

/**
 * An uploaded or generated file: its bytes live in the blob store under `sha256`; the type is
 * the one its bytes showed, never the client's word.
 */
export const FileRecordSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  /** The name it was uploaded with (or the node that made it), for downloads. */
  name: z.string(),
  contentType: z.string(),
  /** Bytes. */
  size: Count,
  /** Lowercase hex sha256 of the bytes: the blob's key and the file's ETag. */
  sha256: z.string(),
  /** Pixels, for images; null when unknown. */
  width: Count.nullable(),
  height: Count.nullable(),
  createdAt: EpochMsSchema,
});

/** A page of a list, numbered from 1. */
export function pageSchemaOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    limit: z.number().int(),
    /** Rows matching the filters, across all pages. */
    total: z.number().int(),
  });
}

export type RunScope = z.infer<typeof RunScopeSchema>;
export type UserRecord = z.infer<typeof UserRecordSchema>;
export type WorkflowGraph = z.infer<typeof WorkflowGraphSchema>;
export type WorkflowContent = z.infer<typeof WorkflowContentSchema>;
export type WorkflowRecord = z.infer<typeof WorkflowRecordSchema>;
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;
export type WorkflowVersionRecord = z.infer<typeof WorkflowVersionRecordSchema>;
export type WorkflowVersionSummary = z.infer<typeof WorkflowVersionSummarySchema>;
export type RunCounts = z.infer<typeof RunCountsSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type NodeResultRecord = z.infer<typeof NodeResultRecordSchema>;
export type ExecutionLogRecord = z.infer<typeof ExecutionLogRecordSchema>;
export type RunDetail = z.infer<typeof RunDetailSchema>;
export type FileRecord = z.infer<typeof FileRecordSchema>;
/** A page of a run's node results or logs; `next` is the cursor of the page after it. */
export type CursorPage<T> = { items: T[]; next: string | null };
/** A page of a list, numbered from 1. */
export type Page<T> = {
  items: T[];
  page: number;
  limit: number;
  /** Rows matching the filters, across all pages. */
  total: number;
};
