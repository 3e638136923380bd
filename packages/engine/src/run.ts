import EventEmitter from 'eventemitter3';
import {
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
import type { FailureMode, RetryPolicy } from './schema';
import type {
  JsonValue,
  LogEntry,
  LogLevel,
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
  /** Typed eventemitter3 emitter: `handle.events.on('node:finish', (e) => ...)`. */
  readonly events: EventEmitter<RunEventMap>;
  /** Resolves when every node has reached a terminal state. Never rejects. */
  readonly result: Promise<RunResult>;
  /** Cancels the run: in-flight nodes' signals fire, nothing else starts. */
  cancel(reason?: string): void;
  /** Every event from now until `run:finish`, as an async iterator. */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent>;
}

/** Most log lines one run keeps; a node that logs in a loop cannot exhaust memory. */
const MAX_LOG_ENTRIES = 10_000;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_NODE_TIMEOUT_MS = 300_000;

const WAITING = 0;
const READY = 1;
const RUNNING = 2;
const DONE = 3;

interface StopReason {
  kind: 'cancel' | 'fail_fast';
  error: ErrorInfo;
}

function isJsonLike(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || t === 'object' || (t === 'number' && Number.isFinite(value));
}

/**
 * Starts a run and returns at once. Validates first: an invalid workflow throws
 * `WorkflowValidationError` synchronously. Listeners attached in the same tick see every
 * event, `run:start` included.
 */
export function startRun(workflow: unknown, options: RunOptions): RunHandle {
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
  const runTimeoutMs = settings.nodeTimeoutMs ?? options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
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

  const emitter = new EventEmitter<RunEventMap>();
  const iterators = new Set<(event: RunEvent | null) => void>();
  const logs: LogEntry[] = [];
  const inflight = new Set<(reason: GalaxyError) => void>();
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

  function emit(event: RunEvent): void {
    if (options.onEvent) {
      try {
        options.onEvent(event);
      } catch (error) {
        // A faulty listener must not corrupt the run; surface it like an uncaught error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    emitter.emit(event.type, event as never);
    for (const push of iterators) push(event);
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
    return resolveRetryPolicy(options.retry, settings.retryPolicy, node.common.retryPolicy);
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
    for (const abort of [...inflight]) abort(reason);
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
    const inputs: Record<string, unknown> = {};
    const ports = node.inputList;
    for (const [name, spec] of ports) if (spec.multiple) inputs[name] = [];
    // In-edges in workflow order, so a `multiple` input lists its values in edge order.
    for (let k = graph.inStart[i]!, end = graph.inStart[i + 1]!; k < end; k++) {
      const edge = edges[graph.inEdge[k]!]!;
      const value = results[graph.inList[k]!]?.output?.[edge.sourceHandle];
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
      const value = (raw as Record<string, unknown>)[name];
      if (value === undefined) continue;
      const fits = spec.type === 'text' || spec.type === 'image' ? typeof value === 'string' : spec.type === 'json' ? isJsonLike(value) : true;
      if (!fits) {
        throw new GalaxyError('E_INVALID_OUTPUT', `Node "${node.id}" returned ${typeof value} for its ${spec.type} output "${name}".`, { nodeId: node.id });
      }
      output[name] = value;
    }
    return output;
  }

  /** Waits for `ms`, or rejects at once when the run stops. */
  function backoff(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // A listener of node:retry may have stopped the run already.
      if (stopReason) {
        reject(new CanceledError(stopReason.error.message));
        return;
      }
      const abort = (reason: GalaxyError) => {
        clearTimeout(timer);
        inflight.delete(abort);
        reject(reason);
      };
      const timer = setTimeout(() => {
        inflight.delete(abort);
        resolve();
      }, ms);
      inflight.add(abort);
    });
  }

  function attempt(node: CompiledNode, inputs: Record<string, unknown>, attemptNo: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // The controller is made only when the executor reads `signal`: most cheap nodes never do.
      let controller: AbortController | undefined;
      let abortedWith: GalaxyError | undefined;
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const close = () => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        inflight.delete(abort);
      };
      const abort = (reason: GalaxyError) => {
        if (settled) return;
        close();
        abortedWith = reason;
        controller?.abort(reason);
        reject(reason);
      };
      inflight.add(abort);
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => abort(new TimeoutError(node.id, timeoutMs)), timeoutMs);
      }
      let value: unknown;
      try {
        value = node.definition.run({
          nodeId: node.id,
          inputs: inputs as never,
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
          log: (logLevel: LogLevel, message: string, data?: JsonValue) => addLog(logLevel, message, node.id, data),
          context,
        });
      } catch (error) {
        if (!settled) {
          close();
          reject(error);
        }
        return;
      }
      if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
        (value as PromiseLike<unknown>).then(
          (v) => {
            if (settled) return;
            close();
            resolve(v);
          },
          (error: unknown) => {
            if (settled) return;
            close();
            reject(error);
          },
        );
      } else {
        close();
        resolve(value);
      }
    });
  }

  async function execute(i: number, inputs: Record<string, unknown>, hash: string): Promise<void> {
    const node = nodes[i]!;
    let policy: RetryPolicy | undefined; // resolved on the first failure only
    const timeoutMs = node.common.timeoutMs ?? runTimeoutMs;
    const started = now();
    let attemptNo = 0;
    let outcome: NodeResult;
    for (;;) {
      attemptNo++;
      emit({ type: 'node:start', runId, at: attemptNo === 1 ? started : now(), nodeId: node.id, nodeType: node.type, attempt: attemptNo });
      try {
        const output = checkOutput(node, await attempt(node, inputs, attemptNo, timeoutMs));
        outcome = { status: 'SUCCESS', output, input: inputs, attempts: attemptNo, hash };
        break;
      } catch (error) {
        if (stopReason) {
          outcome = { status: 'CANCELED', input: inputs, attempts: attemptNo, error: { ...stopReason.error, nodeId: node.id } };
          break;
        }
        const info = toErrorInfo(error, node.id);
        policy ??= policyFor(node);
        if (isRetryable(error) && attemptNo < policy.maxAttempts) {
          const delayMs = Math.max(computeBackoff(policy, attemptNo, random), retryAfterOf(error));
          emit({ type: 'node:retry', runId, at: now(), nodeId: node.id, attempt: attemptNo, delayMs, error: info });
          addLog('warn', `Attempt ${attemptNo} of "${node.id}" failed (${info.code}: ${info.message}); retrying in ${delayMs} ms.`, node.id);
          try {
            await backoff(delayMs);
            continue;
          } catch {
            outcome = { status: 'CANCELED', input: inputs, attempts: attemptNo, error: { ...stopReason!.error, nodeId: node.id } };
            break;
          }
        }
        outcome = { status: 'FAILED', input: inputs, attempts: attemptNo, error: info, hash };
        break;
      }
    }
    const finishedAt = now();
    outcome.startedAt = started;
    outcome.finishedAt = finishedAt;
    outcome.durationMs = finishedAt - started;
    running--;
    settle(i, outcome);
    if (outcome.status === 'FAILED') onFailure(i, outcome.error!);
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
    const hash = hashNodeRun(node.type, parsed.nodes[i]!.data, inputs);
    const previous = reuse && Object.hasOwn(reuse, node.id) ? reuse[node.id] : undefined;
    if (previous?.status === 'SUCCESS' && previous.hash === hash && !targets.has(node.id)) {
      const at = now();
      const reused: NodeResult = { status: 'SUCCESS', attempts: 0, input: inputs, reused: true, hash, startedAt: at, finishedAt: at, durationMs: 0 };
      if (previous.output !== undefined) reused.output = previous.output;
      settle(i, reused);
      return;
    }
    running++;
    void execute(i, Object.freeze(inputs), hash);
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
      const buffer: (RunEvent | null)[] = [];
      let wake: (() => void) | null = null;
      if (!finished) {
        iterators.add((event) => {
          buffer.push(event);
          wake?.();
        });
      } else buffer.push(null);
      return {
        async next(): Promise<IteratorResult<RunEvent>> {
          while (buffer.length === 0) await new Promise<void>((r) => (wake = r));
          wake = null;
          const event = buffer.shift()!;
          return event === null ? { done: true, value: undefined } : { done: false, value: event };
        },
      };
    },
  };
}

/**
 * Validates and runs a workflow: nodes start as soon as their inputs are ready, up to
 * `concurrency` at once, with retries, timeouts, failure modes and cancellation.
 * Rejects only with `WorkflowValidationError`; node failures are in the result.
 */
export async function runWorkflow(workflow: unknown, options: RunOptions): Promise<RunResult> {
  return startRun(workflow, options).result;
}
