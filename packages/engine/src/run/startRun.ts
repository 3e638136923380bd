// The named export, not the default: eventemitter3's types are CommonJS, and under NodeNext an ES module's
// default import of them is the module object, not the class, so `EventEmitter<...>` would not be a type there.
import type { EventEmitter } from 'eventemitter3';
import { portOf } from '../defineNode';
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
} from '../errors';
import { hashNodeRun } from '../hash';
import { IndexHeap } from '../heap';
import { computeBackoff, resolveRetryPolicy } from '../retry';
import { RunEmitter } from '../RunEmitter';
import { capPolicy, capRetryLayer, checkRunOptions, DEFAULT_CONCURRENCY, DEFAULT_NODE_TIMEOUT_MS, type Lowered, resolveCaps, timeLimit } from '../runOptions';
import type { FailureMode, RetryPolicy } from '../schema';
import type {
  FinalNodeStatus,
  FinalRunStatus,
  JsonValue,
  LogEntry,
  LogLevel,
  NodeMeta,
  NodeResult,
  RunEvent,
  RunEventMap,
  RunOptions,
  RunResult,
  RunSnapshot,
} from '../types';
import { analyzeWorkflow, type CompiledNode } from '../validate';

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  /**
   * Typed eventemitter3 emitter: `handle.events.on('node:finish', (e) => ...)`. A listener that
   * throws does not stop the others nor the run; its error goes to `onListenerError`.
   */
  readonly events: EventEmitter<RunEventMap>;
  /**
   * Resolves when the run is over here: with its final snapshot (a `RunResult`) once every node
   * has reached a final state, or with the resumable snapshot (status QUEUED) when `drain()`
   * suspended it. Never rejects.
   */
  readonly result: Promise<RunSnapshot>;
  /** Cancels the run: in-flight nodes' signals fire, nothing else starts. */
  cancel(reason?: string): void;
  /**
   * Winds the run down without ending it, for a deploy or a worker's shutdown: no node starts
   * from now on, nodes in flight run to their end (or, with `abortInFlight`, are aborted and left
   * to run again), retries and `beforeNodeStart` holds are left for later, and no `run:finish` is
   * emitted. Resolves with a snapshot to hand to `RunOptions.resume` (status QUEUED), in which
   * every node that ended keeps its result. A run that ends meanwhile (its last nodes finish, a
   * fail_fast failure, a cancel) resolves with its final snapshot instead.
   */
  drain(options?: DrainOptions): Promise<RunSnapshot>;
  /**
   * Every event from now until `run:finish`, as an async iterator. Events wait in the iterator
   * until read; breaking out of `for await` (or calling `return()`) ends it, dropping what it
   * holds and buffering nothing more, while the run goes on.
   */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent>;
}

export interface DrainOptions {
  /**
   * Aborts the attempts in flight instead of waiting for them: their nodes are left out of the
   * snapshot and run again where the run resumes (a shutdown past its deadline). Default false.
   */
  abortInFlight?: boolean;
}

/** A node result of this run: the scheduler only records nodes that ended. */
type EndedNode = NodeResult & { status: FinalNodeStatus };

/** Most log lines one run keeps; a node that logs in a loop cannot exhaust memory. */
const MAX_LOG_ENTRIES = 10_000;
/** Listener errors the default `onListenerError` logs per run: a listener that throws on every event must not drown the node logs. */
const MAX_LISTENER_ERROR_LOGS = 10;

const WAITING = 0;
const READY = 1;
const RUNNING = 2;
const DONE = 3;

/** Something in progress that a stop aborts: a node's attempt, its backoff wait or its `beforeNodeStart` hold. */
interface Flight {
  /** performance.now() by which it must end; Infinity for none. */
  readonly deadline: number;
  /** The job it belongs to. */
  readonly job: Job;
  abort(reason: GalaxyError): void;
  /** Called by the deadline sweeper once `deadline` has passed. */
  expire(): void;
  /** Drops it without a result: the run is draining and the node runs again where it resumes. */
  abandon(reason: GalaxyError): void;
}

/** One node's way through its attempts. */
interface Job {
  readonly i: number;
  readonly node: CompiledNode;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The node's `data` as the workflow has it, which its hash covers. */
  readonly rawData: unknown;
  /** Known when the run compared it against a reused result; else computed on first read of the result's `hash`. */
  hash: string | undefined;
  /** When the first attempt started (or, until then, when the node was launched). */
  startedAt: number;
  /** Limit of one attempt in ms; `Infinity` for none. */
  readonly timeoutMs: number;
  attempts: number;
  /** Resolved on the first failure only. */
  policy: RetryPolicy | undefined;
  /** What the current attempt reported through `setMeta`; cleared when an attempt starts. */
  meta: NodeMeta | undefined;
}

/** What an attempt calls back into: its run's scheduler. */
interface AttemptHost {
  /** The attempt ended, first time only: `ok` with the executor's value, or not with its error. */
  ended(attempt: Attempt, ok: boolean, value: unknown): void;
  /** The attempt was dropped by a drain: its job has no result in this run. */
  abandoned(flight: Flight): void;
}

/**
 * One attempt of a job. A class on purpose: its methods live once on the prototype, where an
 * object literal would make two closures per attempt, and its `AbortController` is made only
 * when the executor reads `signal` (most cheap nodes never do; one costs about 2 µs).
 */
class Attempt implements Flight {
  settled = false;
  /** Whether `run` returned a promise, so the attempt sits in `inflight` until it ends. */
  async = false;
  private controller: AbortController | undefined = undefined;
  private abortedWith: GalaxyError | undefined = undefined;

  constructor(
    private readonly host: AttemptHost,
    readonly job: Job,
    readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  end(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.host.ended(this, ok, value);
  }

  abort(reason: GalaxyError): void {
    if (this.settled) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.end(false, reason);
  }

  expire(): void {
    this.abort(new TimeoutError(this.job.node.id, this.job.timeoutMs));
  }

  abandon(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.host.abandoned(this);
  }
}

/**
 * An attempt waiting on `RunOptions.beforeNodeStart`. Settles once: started, refused, stopped
 * with the run, or abandoned by a drain; the hook's late answer after that is ignored.
 */
class Hold implements Flight {
  readonly deadline = Number.POSITIVE_INFINITY;
  settled = false;
  readonly controller = new AbortController();

  constructor(
    private readonly host: AttemptHost & { stopped(hold: Hold, reason: GalaxyError): void },
    readonly job: Job,
  ) {}

  abort(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.controller.abort(reason);
    this.host.stopped(this, reason);
  }

  expire(): void {}

  abandon(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.controller.abort(reason);
    this.host.abandoned(this);
  }
}

/**
 * The attempt behind a `run` argument or the job behind a result. A symbol key, not
 * enumerable, so spreads, JSON and equality checks never see it; reading it through a
 * proxy or an object derived from the argument still finds it.
 */
const SOURCE = Symbol('galaxyflow.source');

/**
 * The `signal` of a node's `run` argument: an own enumerable getter like an object literal's,
 * but one function for every attempt. A getter made per attempt gives each argument object a
 * hidden class of its own, which cost V8 about a microsecond per node.
 */
const signalProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: { [SOURCE]: Attempt }): AbortSignal {
    return this[SOURCE].signal;
  },
};

/**
 * A result's lazy `hash`: an own enumerable getter, so JSON.stringify and spreads read it
 * like any field, shared by every result for the reason above.
 */
const hashProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: { [SOURCE]: Job }): string {
    const job = this[SOURCE];
    job.hash ??= hashNodeRun(job.node.type, job.rawData, job.inputs);
    return job.hash;
  },
};

interface StopReason {
  kind: 'cancel' | 'fail_fast' | 'timeout';
  error: ErrorInfo;
}

// setTimeout fires at once past 2^31-1 ms; longer run limits are clamped (24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';

/** A duration in words for messages: the largest whole unit. */
function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
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
 * The scheduled nodes in start order for ties: by topological level, then by id. A counting
 * sort by level over the nodes sorted by id, rather than a second comparison sort.
 */
function startOrder(nodes: readonly CompiledNode[], level: Int32Array, scope: Uint8Array): number[] {
  const byId: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (scope[i]) byId.push(i);
  byId.sort((a, b) => (nodes[a]!.id < nodes[b]!.id ? -1 : nodes[a]!.id > nodes[b]!.id ? 1 : 0));
  let levels = 0;
  for (const i of byId) levels = Math.max(levels, level[i]! + 1);
  const next = new Int32Array(levels + 1);
  for (const i of byId) next[level[i]! + 1]!++;
  for (let l = 1; l <= levels; l++) next[l]! += next[l - 1]!;
  const order: number[] = new Array(byId.length);
  for (const i of byId) order[next[level[i]!]!++] = i;
  return order;
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

  const resume = options.resume;
  const runId = options.runId ?? resume?.runId ?? globalThis.crypto.randomUUID();
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
  const { inStart, inList, inEdge, outStart, outList } = graph;
  const state = new Uint8Array(n);
  const pending = new Int32Array(n);
  const results: (NodeResult | undefined)[] = new Array(n);
  const order = startOrder(nodes, level, scope);
  // Ties start by topological level, then by id: the same graph always starts in the same order.
  const position = new Int32Array(n);
  for (let k = 0; k < order.length; k++) position[order[k]!] = k;
  const before = (a: number, b: number) => position[a]! < position[b]!;
  const heap = new IndexHeap(before);
  for (const i of order) pending[i] = inStart[i + 1]! - inStart[i]!;

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
  /** Set by `drain()`: nothing starts any more; the run suspends once nothing is in flight. */
  let draining: { abortInFlight: boolean } | null = null;
  const drainWaiters: ((snapshot: RunSnapshot) => void)[] = [];
  let runTimer: ReturnType<typeof setTimeout> | undefined;
  let firstFailure: ErrorInfo | undefined;
  let startedAt = 0;
  let resolveResult!: (result: RunSnapshot) => void;
  const result = new Promise<RunSnapshot>((resolve) => {
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
    if (iterators.size > 0) for (const push of iterators) push(event);
    if (listenerErrors.length > 0 && !reportingListenerErrors) reportListenerErrors();
  }

  /**
   * Whether `emit` of this type would do anything. When it would not, the per-node events are
   * not even built: at 10,000 nodes that is 20,000 objects nobody reads. Listeners added later
   * (in a listener, between awaits) are seen from the next event on, as with `emit`.
   */
  function heard(type: RunEvent['type']): boolean {
    return options.onEvent !== undefined || iterators.size > 0 || listenerErrors.length > 0 || emitter.listenerCount(type) > 0;
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

  function settle(i: number, nodeResult: EndedNode): void {
    state[i] = DONE;
    results[i] = nodeResult;
    const at = nodeResult.finishedAt ?? now();
    if (heard('node:finish')) emit({ type: 'node:finish', runId, at, nodeId: nodes[i]!.id, result: nodeResult });
    if (nodeResult.status === 'SUCCESS') readyDependents(i);
  }

  function readyDependents(i: number): void {
    for (let k = outStart[i]!, end = outStart[i + 1]!; k < end; k++) {
      const v = outList[k]!;
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
    // Started last, so it is aborted last, as when it sat at the end of `inflight`.
    current?.abort(reason);
    pumping = wasPumping;
  }

  function onFailure(i: number, error: ErrorInfo): void {
    const node = nodes[i]!;
    addLog('error', `Node "${node.id}" failed: ${error.message}`, node.id, { code: error.code });
    decideFailure(i, error);
  }

  /** What a node's failure does to the run: fail_fast stops it, fail_safe skips the node's descendants. */
  function decideFailure(i: number, error: ErrorInfo): void {
    firstFailure ??= error;
    const node = nodes[i]!;
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

  /** A node's inputs from its sources' outputs. */
  function gatherInputs(i: number, node: CompiledNode): Record<string, unknown> {
    // No Object.prototype behind it: an input port named `toString` that got no value reads as
    // absent, not as Object.prototype.toString.
    const inputs = new Inputs();
    const multiple = node.multipleInputs;
    const start = inStart[i]!;
    const end = inStart[i + 1]!;
    if (multiple.length === 1 && node.inputList.length === 1) return gatherInto(inputs, multiple[0]!, node, start, end);
    for (let p = 0; p < multiple.length; p++) inputs[multiple[p]!] = [];
    // In-edges in workflow order, so a `multiple` input lists its values in edge order.
    for (let k = start; k < end; k++) {
      const edge = edges[inEdge[k]!]!;
      const handle = edge.targetHandle;
      // Validation accepted only own ports; the outputs may be a stored run's, read from JSON.
      if (!portOf(node.inputs, handle)) continue;
      const output = results[inList[k]!]?.output;
      const value = output && Object.hasOwn(output, edge.sourceHandle) ? output[edge.sourceHandle] : undefined;
      if (value === undefined) continue;
      const slot = inputs[handle];
      if (Array.isArray(slot)) slot.push(value);
      else inputs[handle] = value;
    }
    return inputs;
  }

  /**
   * `gatherInputs` for a node whose one input takes many edges (a collector, a join): the
   * same values in the same order, in an array sized up front rather than grown by `push`.
   */
  function gatherInto(inputs: Record<string, unknown>, name: string, node: CompiledNode, start: number, end: number): Record<string, unknown> {
    const values: unknown[] = new Array(end - start);
    let count = 0;
    for (let k = start; k < end; k++) {
      const edge = edges[inEdge[k]!]!;
      if (!portOf(node.inputs, edge.targetHandle)) continue;
      const output = results[inList[k]!]?.output;
      const value = output && Object.hasOwn(output, edge.sourceHandle) ? output[edge.sourceHandle] : undefined;
      if (value !== undefined) values[count++] = value;
    }
    values.length = count;
    inputs[name] = values;
    return inputs;
  }

  /** The first required input that got no value, if any. */
  function missingInput(node: CompiledNode, inputs: Record<string, unknown>): string | undefined {
    const required = node.requiredInputs;
    for (let p = 0; p < required.length; p++) {
      const [name, spec] = required[p]!;
      const value = inputs[name];
      if (value === undefined || (spec.multiple && (value as unknown[]).length === 0)) return name;
    }
    return undefined;
  }

  function checkOutput(node: CompiledNode, raw: unknown): Record<string, unknown> {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" returned ${Array.isArray(raw) ? 'an array' : typeof raw}; a node returns an object keyed by output port.`, { nodeId: node.id });
    }
    const output: Record<string, unknown> = {};
    const ports = node.outputList;
    for (let p = 0; p < ports.length; p++) {
      const [name, spec] = ports[p]!;
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

  /** The attempt whose executor is running synchronously right now: a stop must abort it too. */
  let current: Attempt | undefined;
  const host: AttemptHost & { stopped(hold: Hold, reason: GalaxyError): void } = {
    ended(attempt, ok, value) {
      if (attempt.async) inflight.delete(attempt);
      if (ok) onValue(attempt.job, value);
      else onError(attempt.job, value);
    },
    abandoned(flight) {
      inflight.delete(flight);
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
    // With a gate, the node really starts now, not when it was launched.
    if (attemptNo === 1 && options.beforeNodeStart) job.startedAt = now();
    const at = attemptNo === 1 ? job.startedAt : now();
    if (heard('node:start')) {
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
    const attempt = new Attempt(host, job, performance.now() + job.timeoutMs);
    const args: Record<string | symbol, unknown> = { nodeId: node.id, inputs: job.inputs, data: node.data };
    Object.defineProperty(args, 'signal', signalProperty);
    args.attempt = attemptNo;
    args.emit = (delta: string) => {
      if (!attempt.settled && typeof delta === 'string' && delta.length > 0) {
        emit({ type: 'node:delta', runId, at: now(), nodeId: node.id, delta });
      }
    };
    // Like emit and setMeta: an attempt that has ended (timed out, stopped) writes nothing more.
    args.log = (logLevel: LogLevel, message: string, data?: JsonValue) => {
      if (!attempt.settled) addLog(logLevel, message, node.id, data);
    };
    args.setMeta = (meta: NodeMeta) => {
      if (attempt.settled) return;
      job.meta = { ...job.meta, ...plainMeta(node, meta) };
    };
    args.context = context;
    Object.defineProperty(args, SOURCE, { value: attempt });
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
    if (draining) {
      // The retry belongs to the run that resumes this one.
      abandon(job);
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
      job,
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

  /**
   * Gives a result its `hash`. Hashing every node's inputs is a tenth of a run's cost and
   * only a later run comparing for reuse needs it, so it is computed on first read (see
   * `hashProperty`) unless already known.
   */
  function withHash(job: Job, result: EndedNode): EndedNode {
    if (job.hash !== undefined) {
      result.hash = job.hash;
      return result;
    }
    Object.defineProperty(result, 'hash', hashProperty);
    Object.defineProperty(result, SOURCE, { value: job });
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

  /** A drain dropped the job: the node has no result here and runs again where the run resumes. */
  function abandon(job: Job): void {
    running--;
    state[job.i] = READY;
    pump();
  }

  function complete(job: Job, outcome: EndedNode): void {
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
    const inputs = gatherInputs(i, node);
    const missing = missingInput(node, inputs);
    if (missing !== undefined) {
      const error: ErrorInfo = { code: 'E_INPUT_UNAVAILABLE', message: `Node "${node.id}" needs its "${node.inputs[missing]?.label ?? missing}" input, but the upstream node produced no value for it.`, retryable: false, nodeId: node.id };
      const at = now();
      settle(i, { status: 'FAILED', attempts: 0, error, input: inputs, startedAt: at, finishedAt: at, durationMs: 0 });
      onFailure(i, error);
      return;
    }
    const previous = reuse && Object.hasOwn(reuse, node.id) ? reuse[node.id] : undefined;
    const rawData = parsed.nodes[i]!.data;
    const hash = previous ? hashNodeRun(node.type, rawData, inputs) : undefined;
    if (previous?.status === 'SUCCESS' && previous.hash === hash && !targets.has(node.id)) {
      const at = now();
      const reused: EndedNode = { status: 'SUCCESS', attempts: 0, input: inputs, reused: true, hash: hash!, startedAt: at, finishedAt: at, durationMs: 0 };
      if (previous.output !== undefined) reused.output = previous.output;
      if (previous.meta !== undefined) reused.meta = previous.meta;
      settle(i, reused);
      return;
    }
    running++;
    runAttempt({ i, node, inputs: Object.freeze(inputs), rawData, hash, startedAt: now(), attempts: 0, policy: undefined, meta: undefined, timeoutMs: timeoutFor(node) });
  }

  function pump(): void {
    if (pumping || finished) return;
    pumping = true;
    while (!stopReason && !draining && running < concurrency && heap.size > 0) launch(heap.pop()!);
    pumping = false;
    if (running === 0 && (stopReason !== null || draining !== null || heap.size === 0)) finish();
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
    const runResult: RunResult = { runId, status, startedAt, finishedAt, durationMs, nodes: settledResults(), logs };
    if (error) runResult.error = error;
    close(runResult);
  }

  /** Ends a drained run here without finishing it: the snapshot resumes it elsewhere. */
  function suspend(): void {
    release();
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
    for (const push of iterators) push(null);
    iterators.clear();
    resolveResult(snapshot);
    for (const resolve of drainWaiters.splice(0)) resolve(snapshot);
  }

  /** The results of the nodes that ended, in start order. */
  function settledResults(): Record<string, NodeResult> {
    // Ids are never `__proto__` (the schema refuses it), so assignment defines an own key as fromEntries would.
    const nodeResults: Record<string, NodeResult> = {};
    for (const i of order) if (state[i] === DONE) nodeResults[nodes[i]!.id] = results[i]!;
    return nodeResults;
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
      for (const flight of [...inflight]) {
        if (!(flight instanceof Attempt) || draining.abortInFlight) flight.abandon(reason);
      }
      if (draining.abortInFlight) current?.abandon(reason);
      pumping = wasPumping;
    } else if (drainOptions.abortInFlight && !draining.abortInFlight) {
      draining.abortInFlight = true;
      const reason = new CanceledError('The run was drained: it goes on where it is resumed.');
      for (const flight of [...inflight]) flight.abandon(reason);
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
        heap.push(i);
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
    for (const i of kept) if (results[i]!.status === 'SUCCESS') readyDependents(i);
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

  return {
    runId,
    events: emitter,
    result,
    cancel,
    drain,
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
  // Nothing can drain a run whose handle is never seen: it always finishes.
  return startRun(workflow, options).result as Promise<RunResult>;
}
