import type { NodeResult, NodeStatus, RunEvent } from '@galaxyflow/engine';
import type { RunSnapshot } from '@galaxyflow/engine';
import type { NodeRunState, NodeRunStatus, RunView } from '../types';

/** Most log lines a run view keeps; the full log stays on the server. */
const MAX_LOGS = 2_000;
/** Most streamed characters kept per node; the final output replaces them anyway. */
const MAX_STREAMED = 200_000;

const STATUS: Record<NodeStatus, NodeRunStatus> = {
  RUNNING: 'running',
  SUCCESS: 'success',
  FAILED: 'failed',
  SKIPPED: 'skipped',
  CANCELED: 'canceled',
};

function fromResult(result: NodeResult, previous?: NodeRunState): NodeRunState {
  const state: NodeRunState = {
    status: STATUS[result.status],
    attempt: result.attempts,
    streamed: result.status === 'SUCCESS' ? '' : (previous?.streamed ?? ''),
  };
  if (result.output !== undefined) state.output = result.output;
  if (result.error !== undefined) state.error = result.error;
  if (result.durationMs !== undefined) state.durationMs = result.durationMs;
  if (result.reused) state.reused = true;
  if (result.skippedBecause !== undefined) state.skippedBecause = result.skippedBecause;
  if (result.meta !== undefined) state.meta = result.meta;
  return state;
}

/** A new view with one node's state replaced. */
function withNode(run: RunView, nodeId: string, state: NodeRunState): RunView {
  return { ...run, nodes: { ...run.nodes, [nodeId]: state } };
}

/**
 * Folds one run event into the view the canvas paints. Pure: the same events give the
 * same view, whether they arrive live or are replayed after a reconnect. Events of
 * another run are ignored.
 */
export function applyRunEvent(run: RunView, event: RunEvent): RunView {
  if (run.runId !== '' && event.runId !== run.runId) return run;
  switch (event.type) {
    case 'run:start': {
      const nodes = { ...run.nodes };
      for (const id of event.nodeIds) nodes[id] = { status: 'queued', attempt: 0, streamed: '' };
      return { ...run, runId: event.runId, phase: 'running', startedAt: event.at, nodes };
    }
    case 'run:resume': {
      // The run goes on after a deploy or a crash: kept nodes stay as they ended, the rest wait again.
      const kept = new Set(event.keptNodeIds);
      const nodes = { ...run.nodes };
      for (const id of event.nodeIds) {
        if (!kept.has(id) || !nodes[id]) nodes[id] = { status: 'queued', attempt: 0, streamed: '' };
      }
      return { ...run, runId: event.runId, phase: 'running', startedAt: run.startedAt ?? event.at, nodes };
    }
    case 'node:start': {
      const previous = run.nodes[event.nodeId];
      return withNode(run, event.nodeId, {
        status: 'running',
        attempt: event.attempt,
        // A retry starts its stream afresh.
        streamed: '',
        ...(previous?.error && event.attempt > 1 ? { error: previous.error } : {}),
      });
    }
    case 'node:delta': {
      const previous = run.nodes[event.nodeId] ?? { status: 'running', attempt: 1, streamed: '' };
      const streamed = (previous.streamed + event.delta).slice(-MAX_STREAMED);
      return withNode(run, event.nodeId, { ...previous, streamed });
    }
    case 'node:retry': {
      const previous = run.nodes[event.nodeId] ?? { status: 'running', attempt: event.attempt, streamed: '' };
      return withNode(run, event.nodeId, { ...previous, status: 'retrying', attempt: event.attempt, error: event.error });
    }
    case 'node:child': {
      const previous = run.nodes[event.nodeId] ?? { status: 'running', attempt: 1, streamed: '' };
      const inner = event.event;
      const key = [...event.path.slice(1), inner.nodeId].join(' › ');
      const child = previous.children?.[key] ?? { status: 'queued', attempt: 0, streamed: '' };
      let next: NodeRunState;
      if (inner.type === 'node:start') next = { status: 'running', attempt: inner.attempt, streamed: '' };
      else if (inner.type === 'node:finish') next = fromResult(inner.result, child);
      else if (inner.type === 'node:retry') next = { ...child, status: 'retrying', attempt: inner.attempt, error: inner.error };
      else if (inner.type === 'node:progress') next = { ...child, progress: { done: inner.done, total: inner.total } };
      // Streamed tokens of nested nodes are not kept: the sub-workflow's outputs come with its end.
      else return run;
      return withNode(run, event.nodeId, { ...previous, children: { ...previous.children, [key]: next } });
    }
    case 'node:progress': {
      const previous = run.nodes[event.nodeId] ?? { status: 'running', attempt: 1, streamed: '' };
      return withNode(run, event.nodeId, { ...previous, progress: { done: event.done, total: event.total } });
    }
    case 'node:finish': {
      const state = fromResult(event.result, run.nodes[event.nodeId]);
      // The last count stays beside a failure (7/20 when it stopped); a success shows its items.
      const progress = run.nodes[event.nodeId]?.progress;
      if (progress && event.result.status !== 'SUCCESS') state.progress = progress;
      return withNode(run, event.nodeId, state);
    }
    case 'log': {
      const logs = run.logs.length >= MAX_LOGS ? run.logs.slice(1 - MAX_LOGS) : run.logs.slice();
      logs.push(event.entry);
      return { ...run, logs };
    }
    case 'run:finish': {
      const next: RunView = { ...run, phase: event.status, durationMs: event.durationMs };
      if (event.error) next.error = event.error;
      // Nodes the run never reached are no longer waiting for anything.
      let nodes: RunView['nodes'] | undefined;
      for (const [id, state] of Object.entries(run.nodes)) {
        if (state.status === 'queued' || state.status === 'running' || state.status === 'retrying') {
          nodes ??= { ...run.nodes };
          nodes[id] = { ...state, status: 'canceled' };
        }
      }
      if (nodes) next.nodes = nodes;
      return next;
    }
    default:
      return run;
  }
}

/** The id of a live run that has ended, else null: hooks reload what a run changes when it changes. */
export function finishedLiveRunId(run: RunView | null | undefined): string | null {
  return run?.origin === 'live' && run.phase !== 'starting' && run.phase !== 'running' ? run.runId : null;
}

/** The view of a stored run, for the history panel to paint onto the canvas. */
export function runViewFromSnapshot(record: RunSnapshot): RunView {
  const nodes: RunView['nodes'] = {};
  for (const [id, result] of Object.entries(record.nodes)) nodes[id] = fromResult(result);
  const phase: RunView['phase'] =
    record.status === 'QUEUED' ? 'starting' : record.status === 'RUNNING' ? 'running' : record.status;
  const view: RunView = { runId: record.runId, origin: 'history', phase, nodes, logs: record.logs.slice(-MAX_LOGS) };
  const startedAt = record.startedAt ?? record.createdAt;
  if (startedAt !== undefined) view.startedAt = startedAt;
  if (record.durationMs !== undefined) view.durationMs = record.durationMs;
  if (record.error) view.error = record.error;
  return view;
}

/** Whether the run is still going (its buttons show Cancel rather than Run). */
export function isRunActive(run: RunView | null): boolean {
  return run !== null && run.origin === 'live' && (run.phase === 'starting' || run.phase === 'running');
}
