/**
 * The scheduler of a run: its state, pump, launch and settle, failures and retries, and
 * drain, resume and finish. Over 500 lines on purpose: it is one closure over the run's
 * shared state (node states, the ready heap, what is in flight), and splitting it further
 * would put a call through a context object or an allocation on every node's path.
 * Events go out through `eventDelivery.ts`, inputs and outputs through `nodeIO.ts`, and
 * each attempt is an `Attempt` from `attempt.ts`.
 */
import type { Context } from '@opentelemetry/api';
import {
  asSentence,
  CanceledError,
  type ErrorInfo,
  type GalaxyError,
  isRetryable,
  retryAfterOf,
  toErrorInfo,
  WorkflowValidationError,
} from '../errors';
import { portOf } from '../defineNode';
import { hashNodeRun } from '../hash';
import { IntHeap } from '../heap';
import { titleOf } from '../nodeTitle';
import { computeBackoff, resolveRetryPolicy } from '../retry';
import { capPolicy, capRetryLayer, checkRunOptions, DEFAULT_CONCURRENCY, DEFAULT_NODE_TIMEOUT_MS, type Lowered, resolveCaps, timeLimit } from '../runOptions';
import type { FailureMode, RetryPolicy } from '../schema';
import type { EventOf, FinalRunStatus, JsonValue, LogEntry, LogLevel, NodeMeta, NodeResult, RunEvent, RunOptions, RunResult, RunSnapshot } from '../types';
import { analyzeWorkflow, type CompiledNode, type CompiledWorkflow } from '../validate';
import { endNodeSpan, endRunSpan, type RunTraceOptions, type RunTracing, startNodeSpan, startRunSpan } from '../tracing';
import { validatedFor } from '../validated';
import { Attempt, type AttemptHost, type EndedNode, type Flight, Hold, type Job, RunArgs, ranResult } from './attempt';
import { Flights } from './flights';
import { createEventDelivery } from './eventDelivery';
import { nestingOf, type RunFrame } from './frame';
import type { DrainOptions, RunHandle } from './handle';
import { afterTurn, formatDuration, formatWait, isThenable, loweredMessage, startOrder } from './helpers';
import { checkOutput, gatherInputs, isBranchSkip, missingInput, type NodeIO, plainMeta, untakenEdge } from './nodeIO';

/** Most log lines one run keeps; a node that logs in a loop cannot exhaust memory. */
const MAX_LOG_ENTRIES = 10_000;
/** Most streamed characters a stopped node keeps as its partial answer. */
const MAX_PARTIAL_CHARS = 200_000;

const WAITING = 0;
const READY = 1;
const RUNNING = 2;
const DONE = 3;

interface StopReason {
  kind: 'cancel' | 'fail_fast' | 'timeout';
  error: ErrorInfo;
}

// setTimeout fires at once past 2^31-1 ms; longer run limits are clamped (24.8 days).
const DEFAULT_SLICE_MS = 10;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A compiled workflow's start order and each node's rank in it, by node index. */
interface StartRanks {
  readonly order: readonly number[];
  readonly position: Int32Array;
}

/**
 * Start orders of compiled workflows. A validated workflow keeps its compiled form from run to
 * run, so its ids are sorted once, not on every run; weak, so they go with it.
 */
const ranksOf = new WeakMap<CompiledWorkflow, StartRanks>();

function startRanks(compiled: CompiledWorkflow): StartRanks {
  let ranks = ranksOf.get(compiled);
  if (!ranks) {
    const order = startOrder(compiled.nodes, compiled.level, compiled.scope);
    const position = new Int32Array(compiled.nodes.length);
    for (let k = 0; k < order.length; k++) position[order[k]!] = k;
    ranks = { order, position };
    ranksOf.set(compiled, ranks);
  }
  return ranks;
}

/**
 * Starts a run and returns at once. Checks first: options the engine cannot use throw
 * `RunOptionsError`, an invalid workflow throws `WorkflowValidationError`, both synchronously.
 * Listeners attached in the same tick see every event, `run:start` included.
 */
export function startRun(workflow: unknown, options: RunOptions): RunHandle {
  // Node's global `performance` is an accessor that runs a check on every read: the scheduler
  // reads the clock several times per node, so it reads the global once.
  const perf = performance;
  const calledAt = perf.now();
  checkRunOptions(options);
  const validateOptions: Parameters<typeof analyzeWorkflow>[2] = {};
  if (options.limits) validateOptions.limits = options.limits;
  if (options.targetNodeIds) validateOptions.targetNodeIds = options.targetNodeIds;
  let compiled = validatedFor(workflow, options.registry, options.limits, options.targetNodeIds);
  if (!compiled) {
    const analysis = analyzeWorkflow(workflow, options.registry, validateOptions);
    if (!analysis.compiled) throw new WorkflowValidationError(analysis.issues);
    compiled = analysis.compiled;
  }
  const { nodes, graph, scope, workflow: parsed } = compiled;
  const edges = parsed.edges;

  const resume = options.resume;
  const runId = options.runId ?? resume?.runId ?? globalThis.crypto.randomUUID();
  /**
   * The run's wall clock. Without one from the host it is the monotonic clock set against
   * `Date.now()` once per run: timestamps stay within a millisecond of `Date.now()` and never
   * run backwards, and a node's end and the scheduling after it share one clock reading.
   */
  const wallOffset = Date.now() - perf.now();
  /** The wall-clock time of a `perf.now()` reading. */
  const wallAt = (clock: number) => Math.floor(wallOffset + clock);
  const hostClock = options.now;
  const now = hostClock ?? (() => wallAt(perf.now()));
  const random = options.random ?? Math.random;
  const context = options.context ?? {};
  const settings = parsed.settings ?? {};
  const concurrency = Math.max(
    1,
    Math.min(settings.concurrency ?? options.concurrency ?? DEFAULT_CONCURRENCY, options.concurrency ?? Number.POSITIVE_INFINITY),
  );
  const runFailureMode: FailureMode = settings.failureMode ?? options.failureMode ?? 'fail_fast';
  // What the workflow and its nodes ask for is held to the host's caps; the caps are the hard
  // bound, so they hold the host's own values too (their defaults never lie below those).
  const caps = resolveCaps(options);
  /** Values the workflow's settings asked for above a cap; logged once the run has started. */
  const settingsLowered: Lowered[] = [];
  const timeoutCap = timeLimit(caps.nodeTimeoutMs);
  /** The limit of an attempt whose node and workflow ask for none; `Infinity` for no limit. */
  let runTimeoutMs = Math.min(timeLimit(options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS), timeoutCap);
  if (settings.nodeTimeoutMs !== undefined) {
    runTimeoutMs = Math.min(settings.nodeTimeoutMs, timeoutCap);
    if (settings.nodeTimeoutMs > timeoutCap) settingsLowered.push({ field: 'nodeTimeoutMs', asked: settings.nodeTimeoutMs, cap: timeoutCap });
  }
  const settingsRetry = capRetryLayer(settings.retryPolicy, caps);
  settingsLowered.push(...settingsRetry.lowered);
  const targets = new Set(options.targetNodeIds ?? []);
  const reuse = options.reuse?.nodes;

  const n = nodes.length;
  const { inStart, inList, inEdge, outStart, outList } = graph;
  const state = new Uint8Array(n);
  const pending = new Int32Array(n);
  const results: (NodeResult | undefined)[] = new Array(n);
  // Ties start by topological level, then by id: the same graph always starts in the same order.
  const { order, position } = startRanks(compiled);
  /** Ready nodes by their `position`: the heap compares integers, not ids. */
  const heap = new IntHeap(order.length);
  for (const i of order) pending[i] = inStart[i + 1]! - inStart[i]!;

  const logs: LogEntry[] = [];
  const delivery = createEventDelivery({ hooks: options, log: addLog, finished: () => finished });
  const { heard, emitter, iterator, end } = delivery;
  /** Events delivered so far: whether a listener may have run between two points of the scheduler. */
  let emitted = 0;
  function emit(event: RunEvent): void {
    emitted++;
    delivery.emit(event);
  }
  const io: NodeIO = { edges, inStart, inList, inEdge, results };
  /** Attempts and backoff waits in progress: what a stop must abort, what the sweeper times out. */
  const inflight = new Flights();
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let sweepAt = Number.POSITIVE_INFINITY;
  let running = 0;
  let pumping = false;
  let finished = false;
  /** Longest stretch of scheduling without a turn of the event loop; `Infinity`: never yield. */
  const sliceMs = options.sliceMs === undefined ? DEFAULT_SLICE_MS : options.sliceMs === 0 ? Number.POSITIVE_INFINITY : options.sliceMs;
  /**
   * performance.now() when the current stretch began; -1 once the event loop has had a turn
   * since. The first stretch began when `startRun` was called: checking a large graph already
   * took part of the slice before the first node starts.
   */
  let sliceStart = -1;
  if (sliceMs !== Number.POSITIVE_INFINITY) {
    sliceStart = calledAt;
    afterTurn(endStretch);
  }
  /** Set while the scheduler waits for its turn back after yielding. */
  let yielding = false;
  /**
   * The performance.now() the pump read just before the launch in progress, for the attempt's
   * deadline; -1 outside a launch or when the pump reads no clock (no slices). Saves one clock
   * read per node: at about 50 ns each, reading clocks was a tenth of a cheap node's cost.
   */
  let launchClock = -1;
  /**
   * The `now()` a node's end was stamped with, for the start of the node the same pump launches
   * next, with nothing in between but scheduling; -1 otherwise. In a chain each node starts
   * as its predecessor ends: one clock read serves both.
   */
  let endStamp = -1;
  /**
   * The performance.now() a node's end was read at, for the pump its completion runs when no
   * listener ran in between; -1 otherwise. Saves the pump's own reading.
   */
  let completedClock = -1;
  let stopReason: StopReason | null = null;
  /** Set by `drain()`: nothing starts any more; the run suspends once nothing is in flight. */
  let draining: { abortInFlight: boolean } | null = null;
  const drainWaiters: ((snapshot: RunSnapshot) => void)[] = [];
  let runTimer: ReturnType<typeof setTimeout> | undefined;
  let firstFailure: ErrorInfo | undefined;
  let startedAt = 0;
  /** Set in `begin` when a recording SDK traces the run: without one, no node span is ever made. */
  let tracing: RunTracing | undefined;
  /** The context holding the run span, recording or not, once the run has begun. */
  let traceContext: Context | undefined;
  let resolveResult!: (result: RunSnapshot) => void;
  const result = new Promise<RunSnapshot>((resolve) => {
    resolveResult = resolve;
  });

  function addLog(level: LogLevel, message: string, nodeId?: string, data?: JsonValue): void {
    if (finished || logs.length > MAX_LOG_ENTRIES) return;
    const entry: LogEntry =
      logs.length === MAX_LOG_ENTRIES
        ? { at: now(), level: 'warn', message: `Log truncated after ${MAX_LOG_ENTRIES} lines.` }
        : { at: now(), level, message };
    if (logs.length < MAX_LOG_ENTRIES) {
      if (nodeId !== undefined) entry.nodeId = nodeId;
      if (data !== undefined) entry.data = data;
    }
    logs.push(entry);
    emit({ type: 'log', runId, at: entry.at, entry });
  }

  function policyFor(node: CompiledNode): RetryPolicy {
    const own = capRetryLayer(node.common.retryPolicy, caps);
    for (const lowered of own.lowered) lowerLog(titleOf(node), `data.${lowered.field}`, lowered, node.id);
    return capPolicy(resolveRetryPolicy(options.retry, settingsRetry.layer, own.layer), caps);
  }

  /** A node's limit of one attempt: its own `data.timeoutMs` held to the cap, else the run's. */
  function timeoutFor(node: CompiledNode): number {
    const asked = node.common.timeoutMs;
    if (asked === undefined) return runTimeoutMs;
    if (asked <= timeoutCap) return asked;
    lowerLog(titleOf(node), 'data.timeoutMs', { field: 'timeoutMs', asked, cap: timeoutCap }, node.id);
    return timeoutCap;
  }

  function lowerLog(where: string, field: string, lowered: Lowered, nodeId?: string): void {
    addLog('warn', loweredMessage(where, field, lowered), nodeId, { field, asked: lowered.asked, cap: lowered.cap });
  }

  function settle(i: number, nodeResult: EndedNode): void {
    state[i] = DONE;
    results[i] = nodeResult;
    const at = nodeResult.finishedAt ?? now();
    if (nodeResult.status === 'SKIPPED' && heard('node:skip')) {
      const skip: EventOf<'node:skip'> = { type: 'node:skip', runId, at, nodeId: nodes[i]!.id, code: nodeResult.error?.code ?? 'E_UPSTREAM_FAILED' };
      if (nodeResult.skippedBecause !== undefined) skip.skippedBecause = nodeResult.skippedBecause;
      emit(skip);
    }
    if (heard('node:finish')) emit({ type: 'node:finish', runId, at, nodeId: nodes[i]!.id, result: nodeResult });
    if (nodeResult.status === 'SUCCESS' || isBranchSkip(nodeResult)) readyDependents(i);
  }

  /**
   * Ends a node SKIPPED because it stands on a branch that was not taken; `k` is the untaken
   * in-edge that decides it. The skip names the node that left its output unset: when that
   * edge comes from a node skipped the same way, the branch that node named, so a skip far down
   * an untaken path still points at the If or Switch that chose.
   */
  function skipUntaken(i: number, k: number): void {
    const node = nodes[i]!;
    const u = graph.inList[k]!;
    const edge = edges[graph.inEdge[k]!]!;
    const upstream = results[u]!;
    let branchId = nodes[u]!.id;
    let branchPort = edge.sourceHandle;
    if (isBranchSkip(upstream) && upstream.skippedBecause !== undefined) {
      branchId = upstream.skippedBecause;
      const port = upstream.error?.details?.branchPort;
      if (typeof port === 'string') branchPort = port;
    }
    const branch = nodes[graph.indexOf.get(branchId) ?? u]!;
    const portLabel = portOf(branch.outputs, branchPort)?.label ?? branchPort;
    const at = now();
    settle(i, {
      status: 'SKIPPED',
      attempts: 0,
      finishedAt: at,
      skippedBecause: branchId,
      error: {
        code: 'E_BRANCH_NOT_TAKEN',
        message: `Not taken: ${titleOf(branch)} left its "${portLabel}" output unset, so ${titleOf(node)} did not run.`,
        retryable: false,
        nodeId: node.id,
        details: { branchNodeId: branchId, branchPort },
      },
    });
  }

  function readyDependents(i: number): void {
    for (let k = outStart[i]!, end = outStart[i + 1]!; k < end; k++) {
      const v = outList[k]!;
      if (scope[v] && --pending[v]! === 0 && state[v] === WAITING) {
        state[v] = READY;
        heap.push(position[v]!);
      }
    }
  }

  function stop(kind: StopReason['kind'], error: ErrorInfo): void {
    if (stopReason) return;
    stopReason = { kind, error };
    const reason = new CanceledError(error.message);
    // Aborted attempts complete synchronously; hold the pump until all of them have.
    const wasPumping = pumping;
    pumping = true;
    for (const flight of inflight.snapshot()) flight.abort(reason);
    // Started last, so it is aborted last, as when it sat at the end of `inflight`.
    current?.abort(reason);
    pumping = wasPumping;
  }

  function onFailure(i: number, error: ErrorInfo): void {
    const node = nodes[i]!;
    addLog('error', `${titleOf(node)} failed: ${error.message}`, node.id, { code: error.code });
    decideFailure(i, error);
  }

  /** What a node's failure does to the run: fail_fast stops it, fail_safe skips the node's descendants. */
  function decideFailure(i: number, error: ErrorInfo): void {
    firstFailure ??= error;
    const node = nodes[i]!;
    const mode = node.common.failureMode ?? runFailureMode;
    if (mode === 'fail_fast') {
      stop('fail_fast', { code: 'E_CANCELED', message: `Canceled because ${titleOf(node)} failed.`, retryable: false });
      return;
    }
    // fail_safe: every descendant is skipped; a descendant cannot have started yet.
    const skipped: number[] = [];
    const queue = [i];
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head]!;
      for (let k = graph.outStart[u]!, end = graph.outStart[u + 1]!; k < end; k++) {
        const v = graph.outList[k]!;
        if (scope[v] && state[v] !== DONE && state[v] !== RUNNING) {
          state[v] = DONE; // claimed now so the walk visits it once; settle() records it
          skipped.push(v);
          queue.push(v);
        }
      }
    }
    skipped.sort((a, b) => position[a]! - position[b]!);
    const at = now();
    for (const v of skipped) {
      settle(v, {
        status: 'SKIPPED',
        attempts: 0,
        finishedAt: at,
        skippedBecause: node.id,
        error: { code: 'E_UPSTREAM_FAILED', message: `Skipped because ${titleOf(node)} failed.`, retryable: false, nodeId: nodes[v]!.id },
      });
    }
  }


  /**
   * One timer per run enforces every node's time limit: most nodes finish long before
   * their deadline, so arming and clearing a timer per attempt would be wasted work.
   */
  function watchDeadline(deadline: number): void {
    if (deadline >= sweepAt) return;
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    sweepAt = deadline;
    sweepTimer = setTimeout(sweep, Math.max(0, deadline - perf.now()));
  }

  function sweep(): void {
    sweepTimer = undefined;
    sweepAt = Number.POSITIVE_INFINITY;
    const at = perf.now();
    let next = Number.POSITIVE_INFINITY;
    for (const flight of inflight.snapshot()) {
      if (flight.deadline <= at) flight.expire();
      else if (flight.deadline < next) next = flight.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY && !finished) watchDeadline(next);
  }

  /** The attempt whose executor is running synchronously right now: a stop must abort it too. */
  let current: Attempt | undefined;
  const frame: RunFrame = {
    runId,
    options,
    caps,
    depth: nestingOf.get(options) ?? 0,
    inputs: options.inputs ?? {},
    progress(job, done, total) {
      if (heard('node:progress')) emit({ type: 'node:progress', runId, at: now(), nodeId: job.node.id, done, total });
    },
    childTrace(attempt) {
      // A traced run's children are spans of the node attempt that started them; an untraced
      // one's carry its (sampled-out or no-op) span, so they are not traced on their own either.
      const callTrace = attempt.trace;
      if (callTrace) return { tracer: callTrace.tracer, context: callTrace.parent, recordContent: callTrace.recordContent };
      const out: RunTraceOptions = {};
      if (traceContext) out.context = traceContext;
      if (options.trace?.tracer) out.tracer = options.trace.tracer;
      return out;
    },
    child(path, event) {
      if (heard('node:child')) emit({ type: 'node:child', runId, at: event.at, nodeId: path[0]!, path: [...path], event });
    },
  };
  const host: AttemptHost & { stopped(hold: Hold, reason: GalaxyError): void } = {
    frame,
    ended(attempt, ok, value) {
      if (attempt.async) inflight.delete(attempt);
      if (attempt.span) endNodeSpan(attempt.span, ok ? undefined : toErrorInfo(value, attempt.job.node.id));
      if (ok) onValue(attempt.job, value);
      else onError(attempt.job, value);
    },
    abandoned(flight) {
      inflight.delete(flight);
      if (flight instanceof Attempt && flight.span) {
        flight.span.setAttribute('galaxyflow.node.abandoned', true);
        flight.span.end();
      }
      abandon(flight.job);
    },
    stopped(hold, reason) {
      inflight.delete(hold);
      onError(hold.job, reason);
    },
  };

  /**
   * Starts the next attempt of a job, once `beforeNodeStart` (when the host gave one) allows it.
   * The hook's verdict is awaited only when it returns a promise, so a synchronous hook costs
   * no turn of the event loop.
   */
  function runAttempt(job: Job): void {
    const gate = options.beforeNodeStart;
    if (!gate) {
      startAttempt(job);
      return;
    }
    const hold = new Hold(host, job);
    inflight.add(hold);
    let verdict: void | Promise<void>;
    try {
      verdict = gate({ runId, nodeId: job.node.id, nodeType: job.node.type, attempt: job.attempts + 1, signal: hold.controller.signal });
    } catch (error) {
      refuse(hold, error);
      return;
    }
    if (!isThenable(verdict)) {
      admit(hold);
      return;
    }
    verdict.then(
      () => admit(hold),
      (error: unknown) => refuse(hold, error),
    );
  }

  function admit(hold: Hold): void {
    if (hold.settled) return;
    hold.settled = true;
    inflight.delete(hold);
    startAttempt(hold.job);
  }

  /** The hook refused the attempt: it counts as an attempt that failed with the hook's error. */
  function refuse(hold: Hold, error: unknown): void {
    if (hold.settled) return;
    hold.settled = true;
    inflight.delete(hold);
    hold.job.attempts++;
    onError(hold.job, error);
  }

  /**
   * Runs one attempt of a job. A synchronous executor completes before this returns, and
   * never needs to be in `inflight` nor to arm the deadline sweeper: no timer can fire before
   * it ends, and a stop reaches it through `current`.
   */
  function startAttempt(job: Job): void {
    const node = job.node;
    const attemptNo = ++job.attempts;
    job.meta = undefined;
    job.streamed = '';
    // With a gate, the node really starts now, not when it was launched.
    if (attemptNo === 1 && options.beforeNodeStart) job.startedAt = now();
    const at = attemptNo === 1 ? job.startedAt : now();
    const heardStart = heard('node:start');
    if (heardStart) {
      emit({ type: 'node:start', runId, at, nodeId: node.id, nodeType: node.type, attempt: attemptNo });
      // A listener stopped or drained the run on this very event: the executor must not start.
      if (stopReason) {
        onError(job, new CanceledError(stopReason.error.message));
        return;
      }
      if (draining?.abortInFlight) {
        abandon(job);
        return;
      }
    }
    // The pump's reading is as fresh as a new one unless a gate or a node:start listener ran in between.
    const clock = launchClock >= 0 && !options.beforeNodeStart && !heardStart ? launchClock : perf.now();
    launchClock = -1;
    const attempt = new Attempt(host, job, clock + job.timeoutMs);
    if (tracing) {
      const span = startNodeSpan(tracing, {
        'galaxyflow.run.id': runId,
        'galaxyflow.node.id': node.id,
        'galaxyflow.node.type': node.type,
        'galaxyflow.node.attempt': attemptNo,
      });
      attempt.span = span;
      attempt.tracing = tracing;
    }
    const args = new RunArgs(
      node.id,
      job.inputs,
      node.data,
      attemptNo,
      (delta: string) => {
        if (!attempt.settled && typeof delta === 'string' && delta.length > 0) {
          if (job.streamed.length < MAX_PARTIAL_CHARS) job.streamed += delta.slice(0, MAX_PARTIAL_CHARS - job.streamed.length);
          emit({ type: 'node:delta', runId, at: now(), nodeId: node.id, delta });
        }
      },
      // Like emit and setMeta: an attempt that has ended (timed out, stopped) writes nothing more.
      (logLevel: LogLevel, message: string, data?: JsonValue) => {
        if (!attempt.settled) addLog(logLevel, message, node.id, data);
      },
      (meta: NodeMeta) => {
        if (attempt.settled) return;
        job.meta = { ...job.meta, ...plainMeta(node, meta) };
      },
      context,
      attempt,
    );
    const outer = current;
    current = attempt;
    let value: unknown;
    try {
      value = node.definition.run(args as never);
    } catch (error) {
      current = outer;
      attempt.end(false, error);
      return;
    }
    current = outer;
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
      // Stopped while it ran synchronously: it has ended, but its promise still gets handlers,
      // so a rejection is never unhandled.
      if (!attempt.settled) {
        attempt.async = true;
        inflight.add(attempt);
        watchDeadline(attempt.deadline);
      }
      (value as PromiseLike<unknown>).then(
        (v) => attempt.end(true, v),
        (error: unknown) => attempt.end(false, error),
      );
    } else {
      attempt.end(true, value);
    }
  }

  function onValue(job: Job, raw: unknown): void {
    let output: Record<string, unknown>;
    try {
      output = checkOutput(job.node, raw);
    } catch (error) {
      onError(job, error);
      return;
    }
    complete(job, ranResult(job, 'SUCCESS', output, undefined));
  }

  function onError(job: Job, error: unknown): void {
    const node = job.node;
    if (stopReason) {
      // What it streamed before the stop stays, marked partial in its meta.
      if (job.streamed) job.meta = { ...job.meta, partialText: job.streamed };
      complete(job, { status: 'CANCELED', input: job.inputs, attempts: job.attempts, error: { ...stopReason.error, nodeId: node.id } });
      return;
    }
    const info = toErrorInfo(error, node.id);
    job.policy ??= policyFor(node);
    if (!isRetryable(error) || job.attempts >= job.policy.maxAttempts) {
      complete(job, ranResult(job, 'FAILED', undefined, info));
      return;
    }
    // A server's hint may lengthen a wait up to the policy's cap, never past it: a node parked
    // for an hour holds a concurrency slot and leaves the run RUNNING. Waiting less than asked
    // would only be refused again, so the error is final instead, saying when to try again.
    const hintMs = retryAfterOf(error);
    if (hintMs > job.policy.maxBackoffMs) {
      complete(job, ranResult(job, 'FAILED', undefined, waitRefused(info, hintMs, job.policy.maxBackoffMs)));
      return;
    }
    if (draining) {
      // The retry belongs to the run that resumes this one.
      abandon(job);
      return;
    }
    const delayMs = Math.max(computeBackoff(job.policy, job.attempts, random), hintMs);
    emit({ type: 'node:retry', runId, at: now(), nodeId: node.id, attempt: job.attempts, delayMs, error: info });
    addLog('warn', `Attempt ${job.attempts} of ${titleOf(node)} failed (${info.code}: ${info.message}); retrying in ${delayMs} ms.`, node.id);
    // A node:retry listener may have stopped the run already.
    if (stopReason) {
      onError(job, error);
      return;
    }
    const wait: Flight = {
      deadline: Number.POSITIVE_INFINITY,
      job,
      listed: false,
      prevFlight: undefined,
      nextFlight: undefined,
      abort() {
        clearTimeout(timer);
        inflight.delete(wait);
        onError(job, new CanceledError());
      },
      expire() {},
      abandon() {
        clearTimeout(timer);
        inflight.delete(wait);
        abandon(job);
      },
    };
    const timer = setTimeout(() => {
      inflight.delete(wait);
      runAttempt(job);
    }, delayMs);
    inflight.add(wait);
  }


  /** The error of a node whose next attempt would come later than its retry policy waits. */
  function waitRefused(info: ErrorInfo, hintMs: number, capMs: number): ErrorInfo {
    const retryAt = new Date(now() + hintMs).toISOString();
    return {
      ...info,
      retryable: false,
      message: `${asSentence(info.message)} It asks for a wait of ${formatWait(hintMs)} (until ${retryAt}), longer than the ${formatWait(capMs)} this node waits between attempts (retry policy maxBackoffMs), so it was not retried.`,
      details: { ...info.details, retryAfterMs: hintMs, retryAt },
    };
  }

  /** A drain dropped the job: the node has no result here and runs again where the run resumes. */
  function abandon(job: Job): void {
    running--;
    state[job.i] = READY;
    pump();
  }

  function complete(job: Job, outcome: EndedNode): void {
    const clock = perf.now();
    const finishedAt = hostClock ? hostClock() : wallAt(clock);
    if (job.meta) outcome.meta = job.meta;
    outcome.startedAt = job.startedAt;
    outcome.finishedAt = finishedAt;
    outcome.durationMs = finishedAt - job.startedAt;
    running--;
    const heardBefore = emitted;
    settle(job.i, outcome);
    if (outcome.status === 'FAILED') onFailure(job.i, outcome.error!);
    else endStamp = finishedAt;
    // No listener ran since the reading: it is as fresh as a new one for the pump.
    if (emitted === heardBefore) completedClock = clock;
    pump();
    completedClock = -1;
    endStamp = -1;
  }

  function launch(i: number): void {
    const stamp = endStamp;
    endStamp = -1;
    const node = nodes[i]!;
    state[i] = RUNNING;
    const inputs = gatherInputs(io, i, node);
    const missing = missingInput(node, inputs);
    const untaken = untakenEdge(io, i, node, inputs, missing);
    if (untaken >= 0) {
      skipUntaken(i, untaken);
      return;
    }
    if (missing !== undefined) {
      const error: ErrorInfo = { code: 'E_INPUT_UNAVAILABLE', message: `${titleOf(node)} needs its "${node.inputs[missing]?.label ?? missing}" input, but the upstream node produced no value for it.`, retryable: false, nodeId: node.id };
      const at = now();
      settle(i, { status: 'FAILED', attempts: 0, error, input: inputs, startedAt: at, finishedAt: at, durationMs: 0 });
      onFailure(i, error);
      return;
    }
    const previous = reuse && Object.hasOwn(reuse, node.id) ? reuse[node.id] : undefined;
    const rawData = parsed.nodes[i]!.data;
    const hash = previous ? hashNodeRun(node.type, rawData, inputs) : undefined;
    // Hashing large inputs takes a while: the pump's clock reading is stale after it.
    if (previous) launchClock = -1;
    if (previous?.status === 'SUCCESS' && previous.hash === hash && !targets.has(node.id)) {
      const at = now();
      const reused: EndedNode = { status: 'SUCCESS', attempts: 0, input: inputs, reused: true, hash: hash!, startedAt: at, finishedAt: at, durationMs: 0 };
      if (previous.output !== undefined) reused.output = previous.output;
      if (previous.meta !== undefined) reused.meta = previous.meta;
      settle(i, reused);
      return;
    }
    running++;
    const startedAt = stamp >= 0 && !previous ? stamp : now();
    runAttempt({ i, node, inputs: Object.freeze(inputs), rawData, hash, startedAt, attempts: 0, policy: undefined, meta: undefined, streamed: '', timeoutMs: timeoutFor(node) });
  }

  function pump(): void {
    if (pumping || finished || yielding) return;
    if (sliceMs !== Number.POSITIVE_INFINITY && overSlice()) return;
    let clock = lastClock;
    lastClock = -1;
    pumping = true;
    while (!stopReason && !draining && running < concurrency && heap.size > 0) {
      launchClock = clock;
      launch(order[heap.pop()]!);
      launchClock = -1;
      // Synchronous executors complete inside launch: a long burst of them is cut into slices
      // too. The clock is read only when another launch follows: the next pump reads its own.
      if (sliceMs !== Number.POSITIVE_INFINITY && running < concurrency && heap.size > 0) {
        clock = perf.now();
        if (clock - sliceStart > sliceMs) {
          yieldSlice();
          break;
        }
      }
    }
    pumping = false;
    if (yielding) return;
    if (running === 0 && (stopReason !== null || draining !== null || heap.size === 0)) finish();
  }

  /**
   * Whether the current stretch of scheduling has run past `sliceMs`, in which case the
   * scheduler yields. Nodes that finish in microtasks (synchronous executors, async ones that
   * never wait on I/O, a `beforeNodeStart` that reads a synchronous store) would otherwise
   * chain a whole run into one turn of the event loop, and a server answers nobody meanwhile.
   * A stretch ends when the event loop gets a turn: one `afterTurn` callback per stretch marks it.
   */
  function overSlice(): boolean {
    const at = completedClock >= 0 ? completedClock : perf.now();
    completedClock = -1;
    lastClock = at;
    if (sliceStart < 0) {
      sliceStart = at;
      afterTurn(endStretch);
      return false;
    }
    if (at - sliceStart <= sliceMs) return false;
    yieldSlice();
    return true;
  }

  /** What `overSlice` read, for the pump that called it; -1 once taken. */
  let lastClock = -1;

  function endStretch(): void {
    sliceStart = -1;
  }

  function yieldSlice(): void {
    yielding = true;
    afterTurn(() => {
      yielding = false;
      pump();
    });
  }

  function finish(): void {
    if (finished) return;
    if (draining && !stopReason && order.some((i) => state[i] !== DONE)) {
      suspend();
      return;
    }
    // Whatever has not ended was never started (stopped run): it ends CANCELED.
    const leftover = order.filter((i) => state[i] !== DONE);
    if (leftover.length > 0) {
      const reason: ErrorInfo = stopReason?.error ?? { code: 'E_CANCELED', message: 'The node could not be scheduled.', retryable: false };
      const at = now();
      for (const i of leftover) settle(i, { status: 'CANCELED', attempts: 0, finishedAt: at, error: { ...reason, nodeId: nodes[i]!.id } });
    }
    release();
    let status: FinalRunStatus;
    let error: ErrorInfo | undefined;
    if (stopReason?.kind === 'cancel') {
      status = 'CANCELED';
      error = stopReason.error;
    } else if (stopReason?.kind === 'timeout') {
      status = 'FAILED';
      error = stopReason.error;
    } else if (stopReason?.kind === 'fail_fast') {
      status = 'FAILED';
      error = firstFailure;
    } else if (firstFailure) {
      status = order.some((i) => results[i]!.status === 'SUCCESS') ? 'PARTIAL' : 'FAILED';
      error = firstFailure;
    } else {
      status = 'SUCCESS';
    }
    const finishedAt = now();
    const durationMs = finishedAt - startedAt;
    emit(error ? { type: 'run:finish', runId, at: finishedAt, status, durationMs, error } : { type: 'run:finish', runId, at: finishedAt, status, durationMs });
    if (tracing) endRunSpan(tracing, status, error);
    const runResult: RunResult = { runId, status, startedAt, finishedAt, durationMs, nodes: settledResults(), logs };
    if (error) runResult.error = error;
    close(runResult);
  }

  /** Ends a drained run here without finishing it: the snapshot resumes it elsewhere. */
  function suspend(): void {
    release();
    if (tracing) endRunSpan(tracing, 'QUEUED', undefined);
    close({ runId, status: 'QUEUED', startedAt, nodes: settledResults(), logs });
  }

  /** Stops the run's timers and listeners: nothing more happens here. */
  function release(): void {
    finished = true;
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    if (runTimer !== undefined) clearTimeout(runTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  function close(snapshot: RunSnapshot): void {
    end();
    resolveResult(snapshot);
    for (const resolve of drainWaiters.splice(0)) resolve(snapshot);
  }

  /** The results of the nodes that ended, in start order. */
  function settledResults(): Record<string, NodeResult> {
    // Filled with no prototype, then given Object's: a key stored into a plain object looks for
    // a setter up its prototype first, which made this record a twentieth of a 1,000-node
    // chain's run; without one each store is about five times faster. Ids are never
    // `__proto__` (the schema refuses it), so the record is the plain object it always was.
    const nodeResults = Object.create(null) as Record<string, NodeResult>;
    for (const i of order) if (state[i] === DONE) nodeResults[nodes[i]!.id] = results[i]!;
    return Object.setPrototypeOf(nodeResults, Object.prototype) as Record<string, NodeResult>;
  }

  function cancel(reason?: string): void {
    if (finished) return;
    stop('cancel', { code: 'E_CANCELED', message: reason ?? 'The run was canceled.', retryable: false });
    if (startedAt !== 0) pump();
  }

  function drain(drainOptions: DrainOptions = {}): Promise<RunSnapshot> {
    if (finished) return result;
    const settled = new Promise<RunSnapshot>((resolve) => drainWaiters.push(resolve));
    if (!draining) {
      draining = { abortInFlight: drainOptions.abortInFlight === true };
      const reason = new CanceledError('The run was drained: it goes on where it is resumed.');
      const wasPumping = pumping;
      pumping = true;
      for (const flight of inflight.snapshot()) {
        if (!(flight instanceof Attempt) || draining.abortInFlight) flight.abandon(reason);
      }
      if (draining.abortInFlight) current?.abandon(reason);
      pumping = wasPumping;
    } else if (drainOptions.abortInFlight && !draining.abortInFlight) {
      draining.abortInFlight = true;
      const reason = new CanceledError('The run was drained: it goes on where it is resumed.');
      for (const flight of inflight.snapshot()) flight.abandon(reason);
    }
    if (startedAt !== 0) pump();
    return settled;
  }

  function onAbort(): void {
    const reason = options.signal?.reason;
    cancel(reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined);
  }

  function begin(): void {
    const at = now();
    const started = startRunSpan(options.trace, { 'galaxyflow.run.id': runId, 'galaxyflow.run.resumed': resume !== undefined });
    tracing = started.tracing;
    traceContext = started.context;
    if (resume) {
      // A snapshot of a run drained before it began has no start: it starts now.
      startedAt = resume.startedAt ?? at;
      for (const entry of resume.logs.slice(0, MAX_LOG_ENTRIES + 1)) logs.push(entry);
      const kept = keptFrom(resume);
      if (heard('run:resume')) {
        emit({ type: 'run:resume', runId, at, nodeIds: order.map((i) => nodes[i]!.id), keptNodeIds: kept.map((i) => nodes[i]!.id) });
      }
      restore(kept, resume);
    } else {
      startedAt = at;
      if (heard('run:start')) emit({ type: 'run:start', runId, at: startedAt, nodeIds: order.map((i) => nodes[i]!.id) });
    }
    for (const lowered of settingsLowered) lowerLog('The workflow', `settings.${lowered.field}`, lowered);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    armRunTimeout();
    for (const i of order) {
      if (pending[i] === 0 && state[i] === WAITING) {
        state[i] = READY;
        heap.push(position[i]!);
      }
    }
    pump();
  }

  /** The scheduled nodes whose snapshot result is final, in start order: they keep it. */
  function keptFrom(snapshot: RunSnapshot): number[] {
    const kept: number[] = [];
    for (const i of order) {
      const id = nodes[i]!.id;
      const previous = Object.hasOwn(snapshot.nodes, id) ? snapshot.nodes[id] : undefined;
      // A CANCELED node was stopped, not finished: it runs again.
      if (previous && (previous.status === 'SUCCESS' || previous.status === 'FAILED' || previous.status === 'SKIPPED')) kept.push(i);
    }
    return kept;
  }

  /**
   * Puts kept results back without events (they were emitted by the run that produced them),
   * in start order, so a kept success readies its dependents and a kept failure goes on
   * deciding the run as it did: fail_safe skips what still depends on it, fail_fast stops.
   */
  function restore(kept: readonly number[], snapshot: RunSnapshot): void {
    for (const i of kept) {
      state[i] = DONE;
      results[i] = snapshot.nodes[nodes[i]!.id]!;
    }
    for (const i of kept) if (results[i]!.status === 'SUCCESS' || isBranchSkip(results[i]!)) readyDependents(i);
    for (const i of kept) {
      const previous = results[i]!;
      if (previous.status === 'FAILED' && previous.error) decideFailure(i, previous.error);
    }
  }

  function armRunTimeout(): void {
    const limit = options.runTimeoutMs;
    if (limit === undefined || limit === Number.POSITIVE_INFINITY || stopReason) return;
    const left = Math.max(0, startedAt + limit - now());
    runTimer = setTimeout(() => {
      runTimer = undefined;
      if (finished) return;
      stop('timeout', { code: 'E_RUN_TIMEOUT', message: `The run took longer than its limit of ${formatDuration(limit)} and was stopped.`, retryable: false });
      pump();
    }, Math.min(MAX_TIMER_MS, left));
  }

  queueMicrotask(begin);

  return { runId, events: emitter, result, cancel, drain, [Symbol.asyncIterator]: iterator };
}

/**
 * Validates and runs a workflow: nodes start as soon as their inputs are ready, up to
 * `concurrency` at once, with retries, timeouts, failure modes and cancellation.
 * Rejects only with `WorkflowValidationError` or `RunOptionsError`; node failures are in the result.
 */
export async function runWorkflow(workflow: unknown, options: RunOptions): Promise<RunResult> {
  // Nothing can drain a run whose handle is never seen: it always finishes.
  return startRun(workflow, options).result as Promise<RunResult>;
}
