import type { NodeResult, RunEvent, RunSnapshot } from '@galaxyflow/engine';
import type { LogInput, NodeResultInput, NodeResultRecord } from '../store/types';

/**
 * The conversions between the engine's run model and the store's records, in one place: the
 * worker writes what the engine reports through them, and rebuilds a snapshot from them to
 * resume a run.
 */

const isoOrNull = (ms: number | undefined) =>
  ms === undefined ? null : new Date(ms).toISOString();
const msOrUndefined = (iso: string | null) => (iso === null ? undefined : Date.parse(iso));

/** A node result as the store keeps it. */
export function toNodeResultInput(nodeId: string, result: NodeResult): NodeResultInput {
  return {
    nodeId,
    status: result.status,
    input: result.input ?? null,
    output: result.output ?? null,
    error: result.error ?? null,
    attempts: result.attempts,
    startedAt: isoOrNull(result.startedAt),
    finishedAt: isoOrNull(result.finishedAt),
    durationMs: result.durationMs ?? null,
    reused: result.reused ?? false,
    hash: result.hash ?? null,
    skippedBecause: result.skippedBecause ?? null,
    // The same facts the `node:finish` event carries: the stream and the record agree.
    meta: result.meta ?? null,
  };
}

/** The row a node gets when its attempt starts: RUNNING, so the history shows what was in flight. */
export function startedNodeInput(
  event: Extract<RunEvent, { type: 'node:start' }>,
): NodeResultInput {
  return toNodeResultInput(event.nodeId, {
    status: 'RUNNING',
    attempts: event.attempt,
    startedAt: event.at,
  });
}

/** A log event's line as the store keeps it. */
export function toLogInput(event: Extract<RunEvent, { type: 'log' }>): LogInput {
  const { entry } = event;
  return {
    nodeId: entry.nodeId ?? null,
    level: entry.level,
    message: entry.message,
    metadata: entry.data ?? null,
    at: entry.at,
  };
}

/** A stored node result as the engine has it. */
export function toNodeResult(record: NodeResultRecord): NodeResult {
  const result: NodeResult = { status: record.status, attempts: record.attempts };
  if (record.input !== null) result.input = record.input;
  if (record.output !== null) result.output = record.output;
  if (record.error !== null) result.error = record.error;
  const startedAt = msOrUndefined(record.startedAt);
  if (startedAt !== undefined) result.startedAt = startedAt;
  const finishedAt = msOrUndefined(record.finishedAt);
  if (finishedAt !== undefined) result.finishedAt = finishedAt;
  if (record.durationMs !== null) result.durationMs = record.durationMs;
  if (record.reused) result.reused = true;
  if (record.hash !== null) result.hash = record.hash;
  if (record.skippedBecause !== null) result.skippedBecause = record.skippedBecause;
  if (record.meta !== null) result.meta = record.meta;
  return result;
}

/** A stored SUCCESS result as the engine's `reuse` wants it (an earlier run's output). */
export function toReusable(record: NodeResultRecord): NodeResult | undefined {
  if (record.status !== 'SUCCESS' || record.hash === null) return undefined;
  const result: NodeResult = { status: 'SUCCESS', attempts: record.attempts, hash: record.hash };
  if (record.output !== null) result.output = record.output;
  // A reused output still says who produced it.
  if (record.meta !== null) result.meta = record.meta;
  return result;
}

/**
 * The snapshot to resume a run from its stored node results: nodes that ended keep their
 * result, nodes left RUNNING by a worker that died or was stopped run again. The logs stay in
 * the store; the resumed run only appends to them.
 */
export function snapshotFromRecords(
  runId: string,
  startedAt: number,
  records: readonly NodeResultRecord[],
): RunSnapshot {
  const nodes: Record<string, NodeResult> = {};
  for (const record of records) nodes[record.nodeId] = toNodeResult(record);
  return { runId, status: 'RUNNING', startedAt, nodes, logs: [] };
}
