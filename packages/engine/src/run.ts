// The named export, not the default: eventemitter3's types are CommonJS, and under NodeNext an ES module's
// default import of them is the module object, not the class, so `EventEmitter<...>` would not be a type there.
import type { EventEmitter } from 'eventemitter3';
import { portOf } from './defineNode';
import {
  asSentence,
  CanceledError,
  type ErrorInfo,
  GalaxyError,
  isRetryable,
  retryAfterOf,
  TimeoutError,
  toErrorInfo,
  WorkflowValidationError,
} from './errors';
import { hashNodeRun } from './hash';
import { IndexHeap } from './heap';
import { computeBackoff, resolveRetryPolicy } from './retry';
import { RunEmitter } from './RunEmitter';
import { capPolicy, capRetryLayer, checkRunOptions, DEFAULT_CONCURRENCY, DEFAULT_NODE_TIMEOUT_MS, type Lowered, resolveCaps, timeLimit } from './runOptions';
import type { FailureMode, RetryPolicy } from './schema';
import type {
  JsonValue,
  LogEntry,
  LogLevel,
  NodeMeta,
  NodeResult,
  RunEvent,
  RunEventMap,
  RunOptions,
  RunResult,
  RunStatus,
} from './types';
import { analyzeWorkflow, type CompiledNode } from './validate';

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  /**
   * Typed eventemitter3 emitter: `handle.events.on('node:finish', (e) => ...)`. A listener that
   * throws does not stop the others nor the run; its error goes to `onListenerError`.
   */
  readonly events: EventEmitter<RunEventMap>;
  /** Resolves when every node has reached a terminal state. Never rejects. */
  readonly result: Promise<RunResult>;
  /** Cancels the run: in-flight nodes' signals fire, nothing else starts. */
  cancel(reason?: string): void;
  /**
   * Every event from now until `run:finish`, as an async iterator. Events wait in the iterator
   * until read; breaking out of `for await` (or calling `return()`) ends it, dropping what it
   * holds and buffering nothing more, while the run goes on.
   */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent>;
}

/** Most log lines one run keeps; a node that logs in a loop cannot exhaust memory. */
const MAX_LOG_ENTRIES = 10_000;
/** Listener errors the default `onListenerError` logs per run: a listener that throws on every event must not drown the node logs. */
const MAX_LISTENER_ERROR_LOGS = 10;

const WAITING = 0;
const READY = 1;
const RUNNING = 2;
const DONE = 3;

/** Something in progress that a stop aborts: a node's attempt or its backoff wait. */
interface Flight {
  /** performance.now() by which it must end; Infinity for none. */
  readonly deadline: number;
  abort(reason: GalaxyError): void;
  /** Called by the deadline sweeper once `deadline` has passed. */
  expire(): void;
}

/** One node's way through its attempts. */
interface Job {
  readonly i: number;
  readonly node: CompiledNode;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Known when the run compared it against a reused result; else computed on demand. */
  readonly hash: string | undefined;
  readonly startedAt: number;
  /** Limit of one attempt in ms; `Infinity` for none. */
  readonly timeoutMs: number;
  attempts: number;
  /** Resolved on the first failure only. */
  policy: RetryPolicy | undefined;
  /** What the current attempt reported through `setMeta`; cleared when an attempt starts. */
  meta: NodeMeta | undefined;
}

interface StopReason {
  kind: 'cancel' | 'fail_fast';
  error: ErrorInfo;
}

/**
 * The object a node's inputs sit in: nothing inherited, so only ports that got a value are
 * there. A constructor whose prototype is `Object.create(null)`, rather than
 * `Object.create(null)` itself, because V8 keeps the latter in slow dictionary mode.
 */
const Inputs = function Inputs() {} as unknown as new () => Record<string, unknown>;
Inputs.prototype = Object.create(null);

/** A wait in words: whole seconds once it is a second or more. */
function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.ceil(ms / 1000)} s`;
}

function isJsonLike(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || t === 'object' || (t === 'number' && Number.isFinite(value));
}

/**
 * A node's `setMeta` facts as plain JSON, so results and events stay serializable as they are.
 * Keys whose value is `undefined` are dropped, as JSON drops them.
 */
function plainMeta(node: CompiledNode, meta: NodeMeta): NodeMeta {
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(meta));
  } catch (error) {
    throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" reported meta that is not plain JSON: ${(error as Error).message}`, { nodeId: node.id, cause: error });
  }
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" reported meta that is not an object.`, { nodeId: node.id });
  }
  return copy as NodeMeta;
}

/** A wait or limit in words, for log lines. */
function formatMs(ms: number): string {
  return ms === Number.POSITIVE_INFINITY ? 'no limit' : `${ms} ms`;
}

/** The log line for a value a workflow asked for above the host's cap; `field` is where it asked, e.g. `data.timeoutMs`. */
function loweredMessage(where: string, field: string, { asked, cap }: Lowered): string {
  const show = field.endsWith('maxAttempts') ? (n: number) => `${n}` : formatMs;
  return `${where}: ${field} ${show(asked)} is above the ${show(cap)} this host allows (RunOptions.caps), so ${show(cap)} applies.`;
}

/**
 * Starts a run and returns at once. Checks first: options the engine cannot use throw
 * `RunOptionsError`, an invalid workflow throws `WorkflowValidationError`, both synchronously.
 * Listeners attached in the same tick see every event, `run:start` included.
 */
export function startRun(workflow: unknown, options: RunOptions): RunHandle {
  checkRunOptions(options);
  const validateOptions: Parameters<typeof analyzeWorkflow>[2] = {};
  if (options.limits) validateOptions.limits = options.limits;
  if (options.targetNodeIds) validateOptions.targetNodeIds = options.targetNodeIds;
  const analysis = analyzeWorkflow(workflow, options.registry, validateOptions);
  if (!analysis.compiled) throw new WorkflowValidationError(analysis.issues);
  const { nodes, graph, level, scope, workflow: parsed } = analysis.compiled;
  const edges = parsed.edges;

  const runId = options.runId ?? globalThis.crypto.randomUUID();
  const now = options.now ?? Date.now;
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
  const state = new Uint8Array(n);
  const pending = new Int32Array(n);
  const results: (NodeResult | undefined)[] = new Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (scope[i]) order.push(i);
  // Ties start by topological level, then by id: the same graph always starts in the same order.
  const rank = new Int32Array(n);
  order
    .slice()
    .sort((a, b) => (nodes[a]!.id < nodes[b]!.id ? -1 : nodes[a]!.id > nodes[b]!.id ? 1 : 0))
    .forEach((i, r) => {
      rank[i] = r;
    });
  const before = (a: number, b: number) => (level[a] !== level[b] ? level[a]! < level[b]! : rank[a]! < rank[b]!);
  order.sort((a, b) => (before(a, b) ? -1 : 1));
  const heap = new IndexHeap(before);
  for (const i of order) pending[i] = graph.inStart[i + 1]! - graph.inStart[i]!;

  /** Listener errors waiting to be reported, once the event that caused them has reached every listener. */
  const listenerErrors: { error: unknown; event: RunEvent }[] = [];
  let reportingListenerErrors = false;
  let listenerErrorsLogged = 0;
  const emitter = new RunEmitter(listenerFailed);
  const iterators = new Set<(event: RunEvent | null) => void>();
  const logs: LogEntry[] = [];
  /** Attempts and backoff waits in progress: what a stop must abort, what the sweeper times out. */
  const inflight = new Set<Flight>();
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let sweepAt = Number.POSITIVE_INFINITY;
  let running = 0;
  let pumping = false;
  let finished = false;
  let stopReason: StopReason | null = null;
  let firstFailure: ErrorInfo | undefined;
  let startedAt = 0;
  let resolveResult!: (result: RunResult) => void;
  const result = new Promise<RunResult>((resolve) => {
    resolveResult = resolve;
  });

  /**
   * Delivers an event to `onEvent`, the emitter's listeners and the iterators. A listener that
   * throws is the host's bug, not the run's: the scheduler is mid-step here, so the error is
   * caught (rethrowing it, even later, would crash a Node host) and reported after everyone
   * else has the event.
   */
  function emit(event: RunEvent): void {
    if (options.onEvent) {
      try {
        options.onEvent(event);
      } catch (error) {
        listenerFailed(error, event);
      }
    }
    emitter.emit(event.type, event as never);
    for (const push of iterators) push(event);
    if (listenerErrors.length > 0 && !reportingListenerErrors) reportListenerErrors();
  }

  function listenerFailed(error: unknown, event: RunEvent): void {
    // A listener that also throws on the report of its error would loop forever: drop that one.
    if (!reportingListenerErrors) listenerErrors.push({ error, event });
  }

  function reportListenerErrors(): void {
    reportingListenerErrors = true;
    try {
      for (let failure = listenerErrors.shift(); failure; failure = listenerErrors.shift()) {
        try {
          (options.onListenerError ?? logListenerError)(failure.error, failure.event);
        } catch {
          // The reporter itself failed: there is nowhere left to report to.
        }
      }
    } finally {
      reportingListenerErrors = false;
    }
  }

  function logListenerError(error: unknown, event: RunEvent): void {
    listenerErrorsLogged++;
    if (listenerErrorsLogged > MAX_LISTENER_ERROR_LOGS) {
      if (listenerErrorsLogged === MAX_LISTENER_ERROR_LOGS + 1) addLog('error', 'Further errors thrown by event listeners are not logged.');
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    addLog('error', `An event listener threw on "${event.type}": ${message}. The run went on; fix the listener (onEvent or handle.events).`, undefined, {
      eventType: event.type,
      error: message,
    });
  }

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
    for (const lowered of own.lowered) lowerLog(`Node "${node.id}"`, `data.${lowered.field}`, lowered, node.id);
    return capPolicy(resolveRetryPolicy(options.retry, settingsRetry.layer, own.layer), caps);
  }

  /** A node's limit of one attempt: its own `data.timeoutMs` held to the cap, else the run's. */
  function timeoutFor(node: CompiledNode): number {
    const asked = node.common.timeoutMs;
    if (asked === undefined) return runTimeoutMs;
    if (asked <= timeoutCap) return asked;
    lowerLog(`Node "${node.id}"`, 'data.timeoutMs', { field: 'timeoutMs', asked, cap: timeoutCap }, node.id);
    return timeoutCap;
  }

  function lowerLog(where: string, field: string, lowered: Lowered, nodeId?: string): void {
    addLog('warn', loweredMessage(where, field, lowered), nodeId, { field, asked: lowered.asked, cap: lowered.cap });
  }

  function settle(i: number, nodeResult: NodeResult): void {
    state[i] = DONE;
    results[i] = nodeResult;
    emit({ type: 'node:finish', runId, at: nodeResult.finishedAt ?? now(), nodeId: nodes[i]!.id, result: nodeResult });
    if (nodeResult.status !== 'SUCCESS') return;
    for (let k = graph.outStart[i]!, end = graph.outStart[i + 1]!; k < end; k++) {
      const v = graph.outList[k]!;
      if (scope[v] && --pending[v]! === 0 && state[v] === WAITING) {
        state[v] = READY;
        heap.push(v);
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
    for (const flight of [...inflight]) flight.abort(reason);
    pumping = wasPumping;
  }

  function onFailure(i: number, error: ErrorInfo): void {
    firstFailure ??= error;
    const node = nodes[i]!;
    addLog('error', `Node "${node.id}" failed: ${error.message}`, node.id, { code: error.code });
    const mode = node.common.failureMode ?? runFailureMode;
    if (mode === 'fail_fast') {
      stop('fail_fast', { code: 'E_CANCELED', message: `Canceled because node "${node.id}" failed.`, retryable: false });
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
    skipped.sort((a, b) => (before(a, b) ? -1 : 1));
    const at = now();
    for (const v of skipped) {
      settle(v, {
        status: 'SKIPPED',
        attempts: 0,
        finishedAt: at,
        skippedBecause: node.id,
        error: { code: 'E_UPSTREAM_FAILED', message: `Skipped because "${node.id}" failed.`, retryable: false, nodeId: nodes[v]!.id },
      });
    }
  }

  function gatherInputs(i: number): { inputs: Record<string, unknown>; missing?: string } {
    const node = nodes[i]!;
    // No Object.prototype behind it: an input port named `toString` that got no value reads as
    // absent, not as Object.prototype.toString.
    const inputs = new Inputs();
    const ports = node.inputList;
    for (const [name, spec] of ports) if (spec.multiple) inputs[name] = [];
    // In-edges in workflow order, so a `multiple` input lists its values in edge order.
    for (let k = graph.inStart[i]!, end = graph.inStart[i + 1]!; k < end; k++) {
      const edge = edges[graph.inEdge[k]!]!;
      // Validation accepted only own ports; the outputs may be a stored run's, read from JSON.
      if (!portOf(node.inputs, edge.targetHandle)) continue;
      const output = results[graph.inList[k]!]?.output;
      const value = output && Object.hasOwn(output, edge.sourceHandle) ? output[edge.sourceHandle] : undefined;
      if (value === undefined) continue;
      const slot = inputs[edge.targetHandle];
      if (Array.isArray(slot)) slot.push(value);
      else inputs[edge.targetHandle] = value;
    }
    for (const [name, spec] of ports) {
      if (!spec.required) continue;
      const value = inputs[name];
      if (value === undefined || (spec.multiple && (value as unknown[]).length === 0)) return { inputs, missing: name };
    }
    return { inputs };
  }

  function checkOutput(node: CompiledNode, raw: unknown): Record<string, unknown> {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" returned ${Array.isArray(raw) ? 'an array' : typeof raw}; a node returns an object keyed by output port.`, { nodeId: node.id });
    }
    const output: Record<string, unknown> = {};
    for (const [name, spec] of node.outputList) {
      // Own keys only: an output port named `valueOf` must not pick up Object.prototype.valueOf.
      const value = Object.hasOwn(raw, name) ? (raw as Record<string, unknown>)[name] : undefined;
      if (value === undefined) continue;
      const fits = spec.type === 'text' || spec.type === 'image' ? typeof value === 'string' : spec.type === 'json' ? isJsonLike(value) : true;
      if (!fits) {
        throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" returned ${typeof value} for its ${spec.type} output "${name}".`, { nodeId: node.id });
      }
      output[name] = value;
    }
    return output;
  }

  /**
   * One timer per run enforces every node's time limit: most nodes finish long before
   * their deadline, so arming and clearing a timer per attempt would be wasted work.
   */
  function watchDeadline(deadline: number): void {
    if (deadline >= sweepAt) return;
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    sweepAt = deadline;
    sweepTimer = setTimeout(sweep, Math.max(0, deadline - performance.now()));
  }

  function sweep(): void {
    sweepTimer = undefined;
    sweepAt = Number.POSITIVE_INFINITY;
    const at = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const flight of [...inflight]) {
      if (flight.deadline <= at) flight.expire();
      else if (flight.deadline < next) next = flight.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY && !finished) watchDeadline(next);
  }

  /** Runs one attempt of a job. A synchronous executor completes before this returns. */
  function runAttempt(job: Job): void {
    const node = job.node;
    const attemptNo = ++job.attempts;
    job.meta = undefined;
    emit({ type: 'node:start', runId, at: attemptNo === 1 ? job.startedAt : now(), nodeId: node.id, nodeType: node.type, attempt: attemptNo });
    // The controller is made only when the executor reads `signal`: most cheap nodes never do.
    let controller: AbortController | undefined;
    let abortedWith: GalaxyError | undefined;
    let settled = false;
    const done = (ok: boolean, value: unknown): void => {
      if (settled) return;
      settled = true;
      inflight.delete(flight);
      if (ok) onValue(job, value);
      else onError(job, value);
    };
    const flight: Flight = {
      deadline: performance.now() + job.timeoutMs,
      abort(reason) {
        if (settled) return;
        abortedWith = reason;
        controller?.abort(reason);
        done(false, reason);
      },
      expire() {
        flight.abort(new TimeoutError(node.id, job.timeoutMs));
      },
    };
    inflight.add(flight);
    watchDeadline(flight.deadline);
    let value: unknown;
    try {
      value = node.definition.run({
        nodeId: node.id,
        inputs: job.inputs as never,
        data: node.data,
        get signal() {
          if (!controller) {
            controller = new AbortController();
            if (abortedWith) controller.abort(abortedWith);
          }
          return controller.signal;
        },
        attempt: attemptNo,
        emit: (delta: string) => {
          if (!settled && typeof delta === 'string' && delta.length > 0) {
            emit({ type: 'node:delta', runId, at: now(), nodeId: node.id, delta });
          }
        },
        // Like emit and setMeta: an attempt that has ended (timed out, stopped) writes nothing more.
        log: (logLevel: LogLevel, message: string, data?: JsonValue) => {
          if (!settled) addLog(logLevel, message, node.id, data);
        },
        setMeta: (meta: NodeMeta) => {
          if (settled) return;
          job.meta = { ...job.meta, ...plainMeta(node, meta) };
        },
        context,
      });
    } catch (error) {
      done(false, error);
      return;
    }
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
      (value as PromiseLike<unknown>).then(
        (v) => done(true, v),
        (error: unknown) => done(false, error),
      );
    } else {
      done(true, value);
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
    complete(job, withHash(job, { status: 'SUCCESS', output, input: job.inputs, attempts: job.attempts }));
  }

  function onError(job: Job, error: unknown): void {
    const node = job.node;
    if (stopReason) {
      complete(job, { status: 'CANCELED', input: job.inputs, attempts: job.attempts, error: { ...stopReason.error, nodeId: node.id } });
      return;
    }
    const info = toErrorInfo(error, node.id);
    job.policy ??= policyFor(node);
    if (!isRetryable(error) || job.attempts >= job.policy.maxAttempts) {
      complete(job, withHash(job, { status: 'FAILED', input: job.inputs, attempts: job.attempts, error: info }));
      return;
    }
    // A server's hint may lengthen a wait up to the policy's cap, never past it: a node parked
    // for an hour holds a concurrency slot and leaves the run RUNNING. Waiting less than asked
    // would only be refused again, so the error is final instead, saying when to try again.
    const hintMs = retryAfterOf(error);
    if (hintMs > job.policy.maxBackoffMs) {
      complete(job, withHash(job, { status: 'FAILED', input: job.inputs, attempts: job.attempts, error: waitRefused(info, hintMs, job.policy.maxBackoffMs) }));
      return;
    }
    const delayMs = Math.max(computeBackoff(job.policy, job.attempts, random), hintMs);
    emit({ type: 'node:retry', runId, at: now(), nodeId: node.id, attempt: job.attempts, delayMs, error: info });
    addLog('warn', `Attempt ${job.attempts} of "${node.id}" failed (${info.code}: ${info.message}); retrying in ${delayMs} ms.`, node.id);
    // A node:retry listener may have stopped the run already.
    if (stopReason) {
      onError(job, error);
      return;
    }
    const wait: Flight = {
      deadline: Number.POSITIVE_INFINITY,
      abort() {
        clearTimeout(timer);
        inflight.delete(wait);
        onError(job, new CanceledError());
      },
      expire() {},
    };
    const timer = setTimeout(() => {
      inflight.delete(wait);
      runAttempt(job);
    }, delayMs);
    inflight.add(wait);
  }

  /**
   * Gives a result its `hash`. Hashing every node's inputs is a tenth of a run's cost and
   * only a later run comparing for reuse needs it, so it is computed on first read (a
   * getter: JSON.stringify and spreads read it like any field) unless already known.
   */
  function withHash(job: Job, result: NodeResult): NodeResult {
    if (job.hash !== undefined) {
      result.hash = job.hash;
      return result;
    }
    let hash: string | undefined;
    const type = job.node.type;
    const data = parsed.nodes[job.i]!.data;
    const inputs = job.inputs;
    Object.defineProperty(result, 'hash', {
      enumerable: true,
      configurable: true,
      get: () => {
        hash ??= hashNodeRun(type, data, inputs);
        return hash;
      },
    });
    return result;
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

  function complete(job: Job, outcome: NodeResult): void {
    const finishedAt = now();
    if (job.meta) outcome.meta = job.meta;
    outcome.startedAt = job.startedAt;
    outcome.finishedAt = finishedAt;
    outcome.durationMs = finishedAt - job.startedAt;
    running--;
    settle(job.i, outcome);
    if (outcome.status === 'FAILED') onFailure(job.i, outcome.error!);
    pump();
  }

  function launch(i: number): void {
    const node = nodes[i]!;
    state[i] = RUNNING;
    const { inputs, missing } = gatherInputs(i);
    if (missing !== undefined) {
      const error: ErrorInfo = { code: 'E_INPUT_UNAVAILABLE', message: `Node "${node.id}" needs its "${node.inputs[missing]?.label ?? missing}" input, but the upstream node produced no value for it.`, retryable: false, nodeId: node.id };
      const at = now();
      settle(i, { status: 'FAILED', attempts: 0, error, input: inputs, startedAt: at, finishedAt: at, durationMs: 0 });
      onFailure(i, error);
      return;
    }
    const previous = reuse && Object.hasOwn(reuse, node.id) ? reuse[node.id] : undefined;
    const hash = previous ? hashNodeRun(node.type, parsed.nodes[i]!.data, inputs) : undefined;
    if (previous?.status === 'SUCCESS' && previous.hash === hash && !targets.has(node.id)) {
      const at = now();
      const reused: NodeResult = { status: 'SUCCESS', attempts: 0, input: inputs, reused: true, hash: hash!, startedAt: at, finishedAt: at, durationMs: 0 };
      if (previous.output !== undefined) reused.output = previous.output;
      if (previous.meta !== undefined) reused.meta = previous.meta;
      settle(i, reused);
      return;
    }
    running++;
    runAttempt({ i, node, inputs: Object.freeze(inputs), hash, startedAt: now(), attempts: 0, policy: undefined, meta: undefined, timeoutMs: timeoutFor(node) });
  }

  function pump(): void {
    if (pumping || finished) return;
    pumping = true;
    while (!stopReason && running < concurrency && heap.size > 0) launch(heap.pop()!);
    pumping = false;
    if (running === 0 && (stopReason !== null || heap.size === 0)) finish();
  }

  function finish(): void {
    if (finished) return;
    // Whatever has not ended was never started (stopped run): it ends CANCELED.
    const leftover = order.filter((i) => state[i] !== DONE);
    if (leftover.length > 0) {
      const reason: ErrorInfo = stopReason?.error ?? { code: 'E_CANCELED', message: 'The node could not be scheduled.', retryable: false };
      const at = now();
      for (const i of leftover) settle(i, { status: 'CANCELED', attempts: 0, finishedAt: at, error: { ...reason, nodeId: nodes[i]!.id } });
    }
    finished = true;
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    options.signal?.removeEventListener('abort', onAbort);
    let status: RunStatus;
    let error: ErrorInfo | undefined;
    if (stopReason?.kind === 'cancel') {
      status = 'CANCELED';
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
    for (const push of iterators) push(null);
    iterators.clear();
    const runResult: RunResult = {
      runId,
      status,
      startedAt,
      finishedAt,
      durationMs,
      nodes: Object.fromEntries(order.map((i) => [nodes[i]!.id, results[i]!])),
      logs,
    };
    if (error) runResult.error = error;
    resolveResult(runResult);
  }

  function cancel(reason?: string): void {
    if (finished) return;
    stop('cancel', { code: 'E_CANCELED', message: reason ?? 'The run was canceled.', retryable: false });
    if (startedAt !== 0) pump();
  }

  function onAbort(): void {
    const reason = options.signal?.reason;
    cancel(reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined);
  }

  function begin(): void {
    startedAt = now();
    emit({ type: 'run:start', runId, at: startedAt, nodeIds: order.map((i) => nodes[i]!.id) });
    for (const lowered of settingsLowered) lowerLog('The workflow', `settings.${lowered.field}`, lowered);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    for (const i of order) {
      if (pending[i] === 0) {
        state[i] = READY;
        heap.push(i);
      }
    }
    pump();
  }

  queueMicrotask(begin);

  return {
    runId,
    events: emitter,
    result,
    cancel,
    [Symbol.asyncIterator](): AsyncIterator<RunEvent> {
      // Events not yet read; `null` marks the end. Emptied and unsubscribed by `return()`, so a
      // consumer that breaks out of `for await` stops costing memory for the rest of the run.
      let buffer: (RunEvent | null)[] = [];
      let wake: (() => void) | null = null;
      const push = (event: RunEvent | null): void => {
        buffer.push(event);
        wake?.();
      };
      if (!finished) iterators.add(push);
      else buffer.push(null);
      const close = (): IteratorReturnResult<undefined> => {
        iterators.delete(push);
        buffer = [null];
        wake?.();
        return { done: true, value: undefined };
      };
      return {
        async next(): Promise<IteratorResult<RunEvent>> {
          while (buffer.length === 0) await new Promise<void>((r) => (wake = r));
          wake = null;
          const event = buffer[0]!;
          if (event === null) return { done: true, value: undefined };
          buffer.shift();
          return { done: false, value: event };
        },
        async return(): Promise<IteratorResult<RunEvent>> {
          return close();
        },
      };
    },
  };
}

/**
 * Validates and runs a workflow: nodes start as soon as their inputs are ready, up to
 * `concurrency` at once, with retries, timeouts, failure modes and cancellation.
 * Rejects only with `WorkflowValidationError` or `RunOptionsError`; node failures are in the result.
 */
export async function runWorkflow(workflow: unknown, options: RunOptions): Promise<RunResult> {
  return startRun(workflow, options).result;
}
