import type { ErrorInfo } from '@galaxyflow/engine';
import { graphOf, iso, isoOrNull } from '../shared';
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
 */

/** A row as the driver hands it: column name to value. */
export type Row = Record<string, unknown>;

/** Every run column but the graph, which can be large and lists never show. */
export const RUN_COLUMNS = `id, owner_id, workflow_id, workflow_version, status, scope, target_node_ids,
  reuse_run_id, counts, error, external_id, attempts, interruptions, cancel_requested_at, created_at,
  started_at, finished_at, duration_ms`;

export const json = (value: unknown): string => JSON.stringify(value);
export const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
export const parseOrNull = <T>(text: unknown): T | null =>
  text === null || text === undefined ? null : parse<T>(text);

export function toUser(row: Row): UserRecord {
  return {
    id: row.id as string,
    createdAt: iso(row.created_at as number),
    lastSeenAt: iso(row.last_seen_at as number),
  };
}

export function toWorkflow(row: Row): WorkflowRecord {
  const graph = parse<WorkflowGraph>(row.graph);
  return {
    id: row.id as string,
    ownerId: row.owner_id as string,
    name: row.name as string,
    description: row.description as string,
    tags: parse<string[]>(row.tags),
    nodes: graph.nodes,
    edges: graph.edges,
    settings: graph.settings,
    version: row.version as number,
    createdAt: iso(row.created_at as number),
    updatedAt: iso(row.updated_at as number),
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
    lastRunAt: isoOrNull(row.last_run_at as number | null),
    createdAt: iso(row.created_at as number),
    updatedAt: iso(row.updated_at as number),
  };
}

export function toVersion(row: Row): WorkflowVersionRecord {
  const graph = parse<WorkflowGraph>(row.graph);
  return {
    workflowId: row.workflow_id as string,
    version: row.version as number,
    name: row.name as string,
    description: row.description as string,
    tags: parse<string[]>(row.tags),
    nodes: graph.nodes,
    edges: graph.edges,
    settings: graph.settings,
    restoredFrom: (row.restored_from as number | null) ?? null,
    createdAt: iso(row.created_at as number),
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
    createdAt: iso(row.created_at as number),
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
    createdAt: iso(row.created_at as number),
    startedAt: isoOrNull(row.started_at as number | null),
    finishedAt: isoOrNull(row.finished_at as number | null),
    durationMs: (row.duration_ms as number | null) ?? null,
    cancelRequestedAt: isoOrNull(row.cancel_requested_at as number | null),
  };
}

export function toNodeResult(row: Row): NodeResultRecord {
  return {
    runId: row.run_id as string,
    nodeId: row.node_id as string,
    status: row.status as NodeResultRecord['status'],
    input: parseOrNull(row.input),
    output: parseOrNull(row.output),
    error: parseOrNull(row.error),
    attempts: row.attempts as number,
    startedAt: isoOrNull(row.started_at as number | null),
    finishedAt: isoOrNull(row.finished_at as number | null),
    durationMs: (row.duration_ms as number | null) ?? null,
    reused: row.reused === 1,
    hash: (row.hash as string | null) ?? null,
    skippedBecause: (row.skipped_because as string | null) ?? null,
    meta: parseOrNull(row.meta),
  };
}

export function toLog(row: Row): ExecutionLogRecord {
  return {
    id: row.id as number,
    runId: row.run_id as string,
    nodeId: (row.node_id as string | null) ?? null,
    level: row.level as ExecutionLogRecord['level'],
    message: row.message as string,
    metadata: parseOrNull(row.metadata),
    at: iso(row.at as number),
  };
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

export function nodeResultParams(runId: string, result: NodeResultInput) {
  return {
    runId,
    nodeId: result.nodeId,
    status: result.status,
    input: result.input === null ? null : json(result.input),
    output: result.output === null ? null : json(result.output),
    error: result.error === null ? null : json(result.error),
    attempts: result.attempts,
    startedAt: result.startedAt === null ? null : Date.parse(result.startedAt),
    finishedAt: result.finishedAt === null ? null : Date.parse(result.finishedAt),
    durationMs: result.durationMs,
    reused: result.reused ? 1 : 0,
    hash: result.hash,
    skippedBecause: result.skippedBecause,
    meta: result.meta === null ? null : json(result.meta),
  };
}

/** The graph a run executes: its own (an unsaved one), or the workflow version it names. */
export function graphOfRun(row: Row, version: () => Row): WorkflowGraph {
  if (row.graph !== null) return parse<WorkflowGraph>(row.graph);
  return graphOf(toVersion(version()));
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
