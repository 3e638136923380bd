import type { ErrorInfo, LogEntry } from '@galaxyflow/engine';
import { graphOf } from '../shared';
import type {
  ExecutionLogRecord,
  NodeResultInput,
  NodeResultRecord,
  Page,
  RunRecord,
  UserRecord,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
} from '../types';

/**
 * Rows to records and back, for a schema of snake_case columns, ms integer timestamps and
 * JSON in text columns. Nothing here talks to a driver, so a store on another SQL database
 * with the same columns maps its rows with these same functions.
 *
 * This is the store's one conversion between its columns and the records (`../records.ts`):
 * timestamps are stored as they are in memory, epoch ms in INTEGER columns, so they pass
 * through untouched; what changes is emptiness. A column holds NULL for an empty value; a
 * run-level record field is `null` too, while the engine-shaped ones (node results, log
 * lines, a graph's settings) leave an empty field absent, as the engine does. The writes
 * below (`nodeResultParams`, `logParams`, `contentParams`) turn absent back into NULL.
 */

/** A row as the driver hands it: column name to value. */
export type Row = Record<string, unknown>;

/** Every run column but the graph, which can be large and lists never show. */
export const RUN_COLUMNS = `id, owner_id, workflow_id, workflow_version, status, scope, target_node_ids,
  reuse_run_id, counts, error, external_id, attempts, interruptions, cancel_requested_at, created_at,
  started_at, finished_at, duration_ms, usage`;

export const json = (value: unknown): string => JSON.stringify(value);
export const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
export const parseOrNull = <T>(text: unknown): T | null =>
  text === null || text === undefined ? null : parse<T>(text);

export function toUser(row: Row): UserRecord {
  return {
    id: row.id as string,
    createdAt: row.created_at as number,
    lastSeenAt: row.last_seen_at as number,
  };
}

/**
 * A graph column. Rows written before settings became optional hold `"settings": null` for
 * none; it reads as absent.
 */
export function parseGraph(text: unknown): WorkflowGraph {
  const { settings, ...graph } = parse<WorkflowGraph & { settings?: unknown }>(text);
  return settings === null || settings === undefined
    ? graph
    : { ...graph, settings: settings as WorkflowGraph['settings'] };
}

/** Sets `key` when the column is not NULL, so an empty column leaves the field absent. */
function setIfPresent<T, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

export function toWorkflow(row: Row): WorkflowRecord {
  return {
    id: row.id as string,
    ownerId: row.owner_id as string,
    name: row.name as string,
    description: row.description as string,
    tags: parse<string[]>(row.tags),
    ...parseGraph(row.graph),
    version: row.version as number,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

/** A workflow list row: the workflow's columns with its run count and latest run. */
export function toWorkflowSummary(row: Row): WorkflowSummary {
  return {
    id: row.id as string,
    name: row.name as string,
    description: row.description as string,
    tags: parse<string[]>(row.tags),
    version: row.version as number,
    nodeCount: row.node_count as number,
    runCount: row.run_count as number,
    lastRunStatus: (row.last_run_status as WorkflowSummary['lastRunStatus']) ?? null,
    lastRunAt: (row.last_run_at as number | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export function toVersion(row: Row): WorkflowVersionRecord {
  return {
    workflowId: row.workflow_id as string,
    version: row.version as number,
    name: row.name as string,
    description: row.description as string,
    tags: parse<string[]>(row.tags),
    ...parseGraph(row.graph),
    restoredFrom: (row.restored_from as number | null) ?? null,
    createdAt: row.created_at as number,
  };
}

export function toVersionSummary(row: Row): WorkflowVersionSummary {
  return {
    workflowId: row.workflow_id as string,
    version: row.version as number,
    name: row.name as string,
    nodeCount: row.node_count as number,
    edgeCount: row.edge_count as number,
    restoredFrom: (row.restored_from as number | null) ?? null,
    createdAt: row.created_at as number,
  };
}

export function toRun(row: Row): RunRecord {
  return {
    id: row.id as string,
    ownerId: row.owner_id as string,
    workflowId: (row.workflow_id as string | null) ?? null,
    workflowVersion: (row.workflow_version as number | null) ?? null,
    status: row.status as RunRecord['status'],
    scope: row.scope as RunRecord['scope'],
    targetNodeIds: parseOrNull<string[]>(row.target_node_ids),
    reuseRunId: (row.reuse_run_id as string | null) ?? null,
    counts: parse(row.counts),
    error: parseOrNull<ErrorInfo>(row.error),
    externalId: (row.external_id as string | null) ?? null,
    attempts: row.attempts as number,
    interruptions: row.interruptions as number,
    createdAt: row.created_at as number,
    startedAt: (row.started_at as number | null) ?? null,
    finishedAt: (row.finished_at as number | null) ?? null,
    durationMs: (row.duration_ms as number | null) ?? null,
    cancelRequestedAt: (row.cancel_requested_at as number | null) ?? null,
    usage: parseOrNull<RunRecord['usage']>(row.usage),
  };
}

export function toNodeResult(row: Row): NodeResultRecord {
  const record: NodeResultRecord = {
    runId: row.run_id as string,
    nodeId: row.node_id as string,
    status: row.status as NodeResultRecord['status'],
    attempts: row.attempts as number,
  };
  setIfPresent(record, 'input', parseOrNull<NodeResultRecord['input']>(row.input));
  setIfPresent(record, 'output', parseOrNull<NodeResultRecord['output']>(row.output));
  setIfPresent(record, 'error', parseOrNull<ErrorInfo>(row.error));
  setIfPresent(record, 'startedAt', row.started_at as number | null);
  setIfPresent(record, 'finishedAt', row.finished_at as number | null);
  setIfPresent(record, 'durationMs', row.duration_ms as number | null);
  setIfPresent(record, 'skippedBecause', row.skipped_because as string | null);
  // SQLite stores the flag as 1, Postgres as a boolean.
  if (row.reused === 1 || row.reused === true) record.reused = true;
  setIfPresent(record, 'hash', row.hash as string | null);
  setIfPresent(record, 'meta', parseOrNull<NodeResultRecord['meta']>(row.meta));
  return record;
}

export function toLog(row: Row): ExecutionLogRecord {
  const record: ExecutionLogRecord = {
    id: row.id as number,
    runId: row.run_id as string,
    at: row.at as number,
    level: row.level as ExecutionLogRecord['level'],
    message: row.message as string,
  };
  setIfPresent(record, 'nodeId', row.node_id as string | null);
  // The column keeps its first name, `metadata`; the record calls it `data`, as the engine does.
  setIfPresent(record, 'data', parseOrNull<ExecutionLogRecord['data']>(row.metadata));
  return record;
}

/** The columns a workflow and each of its versions store for the content a user edits. */
export function contentParams(content: WorkflowContent) {
  return {
    name: content.name,
    description: content.description,
    tags: json(content.tags),
    graph: json(graphOf(content)),
    nodeCount: content.nodes.length,
  };
}

const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : json(value));

export function nodeResultParams(runId: string, result: NodeResultInput) {
  return {
    runId,
    nodeId: result.nodeId,
    status: result.status,
    input: jsonOrNull(result.input),
    output: jsonOrNull(result.output),
    error: jsonOrNull(result.error),
    attempts: result.attempts,
    startedAt: result.startedAt ?? null,
    finishedAt: result.finishedAt ?? null,
    durationMs: result.durationMs ?? null,
    reused: result.reused ? 1 : 0,
    hash: result.hash ?? null,
    skippedBecause: result.skippedBecause ?? null,
    meta: jsonOrNull(result.meta),
  };
}

/** The columns of a log line, in the order of `execution_logs`' insert. */
export function logParams(runId: string, log: LogEntry) {
  return {
    runId,
    nodeId: log.nodeId ?? null,
    level: log.level,
    message: log.message,
    metadata: jsonOrNull(log.data),
    at: log.at,
  };
}

export function pageOf<T>(
  items: T[],
  total: number,
  query: { page: number; limit: number },
): Page<T> {
  return { items, page: query.page, limit: query.limit, total };
}

/** The OFFSET of a 1-based page. */
export function offsetOf(query: { page: number; limit: number }): number {
  return (query.page - 1) * query.limit;
}
