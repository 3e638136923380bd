import type { NodeResult, RunEvent, RunSnapshot } from '@galaxyflow/engine';
import type { NodeResultInput, NodeResultRecord } from '../store/types';

/**
 * The engine's run model and the store's records are one shape: a node result record is the
 * engine's `NodeResult` with its run and node ids, a log line the engine's `LogEntry`. These
 * helpers only add or drop the ids, so the worker writes what the engine reports as it is,
 * and rebuilds a snapshot from the records to resume a run.
 */

/** A node result as the store keeps it. */
export function toNodeResultInput(nodeId: string, result: NodeResult): NodeResultInput {
  return { ...result, nodeId };
}

/** The row a node gets when its attempt starts: RUNNING, so the history shows what was in flight. */
export function startedNodeInput(
  event: Extract<RunEvent, { type: 'node:start' }>,
): NodeResultInput {
  return { nodeId: event.nodeId, status: 'RUNNING', attempts: event.attempt, startedAt: event.at };
}

/** A stored node result as the engine has it. */
export function toNodeResult(record: NodeResultRecord): NodeResult {
  const { runId: _, nodeId: __, ...result } = record;
  return result;
}

/** A stored SUCCESS result as the engine's `reuse` wants it (an earlier run's output). */
export function toReusable(record: NodeResultRecord): NodeResult | undefined {
  if (record.status !== 'SUCCESS' || record.hash === undefined) return undefined;
  const result: NodeResult = { status: 'SUCCESS', attempts: record.attempts, hash: record.hash };
  if (record.output !== undefined) result.output = record.output;
  // A reused output still says who produced it.
  if (record.meta !== undefined) result.meta = record.meta;
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
