import { GalaxyError } from '../errors';
import type { JsonValue, LogLevel, RunEvent, RunOptions, WorkflowRef } from '../types';
import { validateWorkflow } from '../validate';
import type { ValidatedWorkflow } from '../validated';
import type { Attempt } from './attempt';
import { nestingOf, type RunFrame } from './frame';
import type { RunHandle } from './handle';
import { startRun } from './startRun';

/** How a node starts one child run. */
export interface ChildRun {
  /** The child's run id, e.g. `<run>/<node>` or `<run>/<node>/<item>`. */
  runId: string;
  /** Values of the child's Input nodes by name. */
  inputs?: Record<string, unknown>;
  /** Stops the child (the node's own signal); without it, the node cancels the child's handle itself. */
  signal?: AbortSignal;
  /** Sub-workflow levels below the host's run: the parent's for a Map item, one more for a sub-workflow. */
  depth: number;
  /** Where the child's node events go in the parent's stream (`node:child`); omitted: nowhere. */
  path?: readonly string[];
  /**
   * A Map item of one node: it never yields to the event loop on its own (the Map does between
   * items), and the host's `beforeNodeStart` is not asked again for it (it was asked for the Map
   * node; a store read per item would cost more than the item). Default false.
   */
  mapItem?: boolean;
  /** The saved workflow's id, recorded on the child's run span (`galaxyflow.workflow.id`). */
  workflowId?: string;
  /** Where the child's log lines go; omitted: nowhere. */
  log?: (level: LogLevel, message: string, data?: JsonValue) => void;
}

/**
 * Starts a run of `workflow` inside a node's attempt, with the parent run's registry, context,
 * limits and caps. Its node events reach the parent's stream as `node:child` until the
 * attempt ends; nothing of it is heard after that.
 */
export function startChildRun(
  frame: RunFrame,
  attempt: Attempt,
  workflow: unknown,
  child: ChildRun,
): RunHandle {
  const parent = frame.options;
  const options: RunOptions = {
    registry: parent.registry,
    runId: child.runId,
  };
  if (child.signal !== undefined) options.signal = child.signal;
  if (parent.concurrency !== undefined) options.concurrency = parent.concurrency;
  if (parent.failureMode !== undefined) options.failureMode = parent.failureMode;
  if (parent.retry !== undefined) options.retry = parent.retry;
  if (parent.nodeTimeoutMs !== undefined) options.nodeTimeoutMs = parent.nodeTimeoutMs;
  // A Map item's run is two nodes and the Map yields between items itself: no slicing of its own.
  if (child.mapItem) options.sliceMs = 0;
  else if (parent.sliceMs !== undefined) options.sliceMs = parent.sliceMs;
  if (parent.caps !== undefined) options.caps = parent.caps;
  if (parent.context !== undefined) options.context = parent.context;
  if (parent.limits !== undefined) options.limits = parent.limits;
  if (parent.random !== undefined) options.random = parent.random;
  if (parent.now !== undefined) options.now = parent.now;
  // The host's gate (cancel requests, budgets) sees the child's nodes too.
  if (parent.beforeNodeStart !== undefined && !child.mapItem)
    options.beforeNodeStart = parent.beforeNodeStart;
  if (child.inputs !== undefined) options.inputs = child.inputs;
  options.trace = frame.childTrace(attempt);
  if (child.workflowId !== undefined) options.trace.workflowId = child.workflowId;
  const { path, log } = child;
  if (path || log) {
    options.onEvent = (event: RunEvent) => {
      if (attempt.settled) return;
      switch (event.type) {
        case 'node:start':
        case 'node:delta':
        case 'node:retry':
        case 'node:skip':
        case 'node:progress':
        case 'node:finish':
          if (path) frame.child(path, event);
          return;
        case 'node:child':
          if (path) frame.child([...path, ...event.path], event.event);
          return;
        case 'log':
          log?.(
            event.entry.level,
            event.entry.nodeId === undefined
              ? event.entry.message
              : `[${event.entry.nodeId}] ${event.entry.message}`,
            event.entry.data,
          );
          return;
        default:
          return;
      }
    };
  }
  nestingOf.set(options, child.depth);
  return startRun(workflow, options);
}

/**
 * Loads and validates the saved workflow a node calls, after checking that one more level of
 * sub-workflow is allowed. Throws typed errors a user can act on.
 */
export async function loadChildWorkflow(
  frame: RunFrame,
  ref: WorkflowRef,
  nodeId: string,
  signal: AbortSignal,
): Promise<ValidatedWorkflow> {
  const label = `${ref.workflowId}@${ref.version}`;
  if (frame.depth + 1 > frame.caps.workflowDepth) {
    throw new GalaxyError(
      'E_WORKFLOW_DEPTH',
      `Calling workflow ${label} would nest workflows ${frame.depth + 1} levels deep; this host allows ${frame.caps.workflowDepth}.`,
      {
        nodeId,
        details: { ...ref, depth: frame.depth + 1, maxDepth: frame.caps.workflowDepth },
      },
    );
  }
  const load = frame.options.context?.loadWorkflow;
  if (typeof load !== 'function')
    throw new GalaxyError('E_SUBWORKFLOWS_UNAVAILABLE', undefined, { nodeId });
  const graph = await load({ ...ref, signal });
  if (graph === undefined || graph === null) {
    throw new GalaxyError(
      'E_WORKFLOW_NOT_FOUND',
      `Workflow ${label} does not exist, or is not yours.`,
      { nodeId, details: { ...ref } },
    );
  }
  const validation = validateWorkflow(
    graph,
    frame.options.registry,
    frame.options.limits ? { limits: frame.options.limits } : {},
  );
  if (!validation.ok) {
    const issue = validation.issues[0];
    throw new GalaxyError(
      'E_SUBWORKFLOW_FAILED',
      `Workflow ${label} is invalid: ${issue?.message ?? 'it does not validate'}`,
      {
        nodeId,
        details: { ...ref, issues: validation.issues.slice(0, 20).map((i) => ({ ...i })) },
      },
    );
  }
  return validation.workflow;
}
