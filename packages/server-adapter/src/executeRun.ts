import { randomUUID } from 'node:crypto';
import {
  type ErrorInfo,
  type NodeRegistry,
  type NodeResult,
  type RunContext,
  type RunEvent,
  type RunOptions,
  type RunResult,
  runWorkflow,
  toErrorInfo,
} from '@galaxyflow/engine';
import { pino } from 'pino';
import { type RunErrorCode, runErrorCodes } from './errors';
import type { EventBus } from './events';
import { createNodeGate } from './nodeGate';
import { countStatus, emptyCounts } from './store/shared';
import type {
  ClaimedRun,
  FinalRunStatus,
  LogInput,
  NodeResultInput,
  NodeResultRecord,
  RunCounts,
  RunEventRecord,
  RunStore,
} from './store/types';

/**
 * Engine settings a queue applies to every run. A workflow's own settings may lower
 * `concurrency` and choose its failure mode; its retry policy and time limits are held to
 * `caps` (the engine's defaults when not given).
 */
export type EngineDefaults = Pick<
  RunOptions,
  'concurrency' | 'nodeTimeoutMs' | 'retry' | 'failureMode' | 'caps'
>;

/** Where a worker reports what went wrong around a run (never a node's own failure). */
export interface WorkerLogger {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** What `executeRun` needs; a queue builds it once and hands it to every run. */
export interface ExecuteRunDeps {
  /** Where the run lives. Required. */
  store: RunStore;
  /** Node types the run may use. Required. */
  registry: NodeRegistry;
  /** Host services handed to every node, e.g. `llmContext({ providers })`. Default `{}`. */
  context?: RunContext;
  /** Where stored events are published for live streams. Default none (streams poll the store). */
  events?: EventBus;
  /** Stable id of the worker, recorded as the lease owner. Default a random id per call. */
  workerId?: string;
  /** How long a lease lasts without renewal, in ms. Default 30,000. */
  leaseMs?: number;
  /** How often the lease is renewed and a cancel request looked for, in ms. Default `leaseMs / 3`. */
  heartbeatMs?: number;
  /**
   * Time limit of the whole run, counted from its first start (a resumed run keeps its
   * deadline), in ms. The run ends FAILED with `E_RUN_TIMEOUT`. Default 3,600,000 (1 hour).
   */
  runTimeoutMs?: number;
  /**
   * How many interruptions (takeovers of an expired lease: a worker crashed or stalled) a run
   * survives; the claim after that ends it FAILED with `E_RUN_INTERRUPTED`. Graceful
   * hand-overs (`signal`, `drainSignal`) are not interruptions. Default 2.
   */
  maxInterruptions?: number;
  /** Engine defaults for every run. Default the engine's own. */
  engine?: EngineDefaults;
  /**
   * Aborting hands the run back to the queue at once (shutdown past its deadline): nodes in
   * flight are aborted and run again where the run resumes. Default none.
   */
  signal?: AbortSignal;
  /**
   * Aborting winds the run down for a graceful stop: no node starts after it, nodes in
   * flight run to the end and their results are stored, then the run is handed back
   * (`released`), and the worker that resumes it reuses those results. A run whose last
   * nodes were in flight simply finishes. Default none.
   */
  drainSignal?: AbortSignal;
  /**
   * Aborting cancels the run at once (the queue's `cancel`). Without it a cancel made
   * through another process is seen before the next node starts (the worker reads the run
   * first) and aborts nodes in flight at the next heartbeat. Default none.
   */
  cancelSignal?: AbortSignal;
  /**
   * Failures around the run (store errors, lost leases). Default a pino logger at `warn`
   * (`defaultWorkerLogger()`), so a failing worker is never silent.
   */
  logger?: WorkerLogger;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** How `executeRun` left the run. */
export type ExecuteRunOutcome =
  /** The run ended with this status; its record, results and events are stored. */
  | { outcome: 'finished'; runId: string; status: FinalRunStatus }
  /** Nothing was done: the run does not exist, already ended, or another worker holds it. */
  | { outcome: 'skipped'; runId: string; reason: 'not_found' | 'finished' | 'held' }
  /** The run went back to the queue (`signal` aborted); the next claim resumes it. */
  | { outcome: 'released'; runId: string }
  /** The worker lost the run (lease taken over, store failing); its lease expiry hands it on. */
  | { outcome: 'lost'; runId: string };

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_RUN_TIMEOUT_MS = 60 * 60 * 1000;
const DEFAULT_MAX_INTERRUPTIONS = 2;
// setTimeout fires at once past 2^31-1 ms; longer limits are clamped (24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

let sharedWorkerLogger: WorkerLogger | undefined;

/**
 * The logger workers use unless given one: pino at `warn`, JSON lines on stdout like the
 * router's, made once per process.
 */
export function defaultWorkerLogger(): WorkerLogger {
  sharedWorkerLogger ??= pino({ name: 'galaxyflow-worker', level: 'warn' });
  return sharedWorkerLogger;
}

const isoOrNull = (ms: number | undefined) =>
  ms === undefined ? null : new Date(ms).toISOString();

function runError(code: RunErrorCode, message: string = runErrorCodes[code]): ErrorInfo {
  return { code, message, retryable: false };
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

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

/** A stored SUCCESS result as the engine's `reuse` wants it. */
function toReusable(record: NodeResultRecord): NodeResult | undefined {
  if (record.status !== 'SUCCESS' || record.hash === null) return undefined;
  const result: NodeResult = { status: 'SUCCESS', attempts: record.attempts, hash: record.hash };
  if (record.output !== null) result.output = record.output;
  // A reused output still says who produced it.
  if (record.meta !== null) result.meta = record.meta;
  return result;
}

interface ProgressWriter {
  nodeResult(result: NodeResultInput): void;
  log(log: LogInput): void;
  event(event: RunEvent): void;
  /** Resolves when everything added so far is stored (or the writer stopped). */
  drain(): Promise<void>;
  /** The highest `seq` stored by this writer. */
  readonly lastSeq: number;
  /** Set when a write failed or the lease was gone: nothing more is written. */
  readonly broken: 'lost' | 'failed' | undefined;
}

/**
 * Batches what the engine reports into one store transaction per turn of the event loop:
 * everything emitted in one turn (a node ending, the next one announced, and its start once
 * the node gate admitted it) is written together, before the next turn's timers run.
 */
function createProgressWriter(
  store: RunStore,
  runId: string,
  workerId: string,
  publish: (records: readonly RunEventRecord[]) => void,
  onBroken: (why: 'lost' | 'failed', error?: unknown) => void,
): ProgressWriter {
  let nodeResults: NodeResultInput[] = [];
  let logs: LogInput[] = [];
  let events: RunEvent[] = [];
  let flushing: Promise<void> | null = null;
  let lastSeq = 0;
  let broken: 'lost' | 'failed' | undefined;

  const pending = () => nodeResults.length + logs.length + events.length > 0;

  async function flushLoop(): Promise<void> {
    // Let the rest of this turn of the event loop join the batch: the engine's synchronous
    // burst, and the starts the node gate admits a few microtasks later.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (pending() && !broken) {
      const batch = { nodeResults, logs, events };
      nodeResults = [];
      logs = [];
      events = [];
      try {
        const records = await store.recordRunProgress(runId, workerId, batch);
        if (records === undefined) {
          broken = 'lost';
          onBroken('lost');
        } else if (records.length > 0) {
          lastSeq = records[records.length - 1]!.seq;
          publish(records);
        }
      } catch (error) {
        broken = 'failed';
        onBroken('failed', error);
      }
    }
    flushing = null;
  }

  function schedule(): void {
    if (!broken && !flushing) flushing = flushLoop();
  }

  return {
    nodeResult(result) {
      if (broken) return;
      nodeResults.push(result);
      schedule();
    },
    log(log) {
      if (broken) return;
      logs.push(log);
      schedule();
    },
    event(event) {
      if (broken) return;
      events.push(event);
      schedule();
    },
    async drain() {
      while (flushing) await flushing;
    },
    get lastSeq() {
      return lastSeq;
    },
    get broken() {
      return broken;
    },
  };
}

/**
 * Claims the run and does its work: the function any queue calls (the in-process queue, a
 * Trigger.dev task, a BullMQ job). It runs the workflow through the engine, storing each
 * node result, log line and event the moment it happens (one transaction per burst, fenced
 * by the lease) and publishing the events; renews the lease while it works; honours cancel
 * requests, the run's time limit and `signal`; and ends the run with its final event in one
 * transaction. A run that was interrupted resumes: nodes it already finished are reused,
 * not run again.
 */
export async function executeRun(runId: string, deps: ExecuteRunDeps): Promise<ExecuteRunOutcome> {
  const workerId = deps.workerId ?? `worker-${randomUUID()}`;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const claimed = await deps.store.claimRun({ workerId, leaseMs, runId });
  if (!claimed) {
    const run = await deps.store.getRunById(runId);
    const reason = !run ? 'not_found' : run.status === 'RUNNING' ? 'held' : 'finished';
    return { outcome: 'skipped', runId, reason };
  }
  return executeClaimedRun(claimed, { ...deps, workerId, leaseMs });
}

/** Does the work of a run this worker already claimed (the queue claims in its own order). */
export async function executeClaimedRun(
  claimed: ClaimedRun,
  deps: ExecuteRunDeps & { workerId: string },
): Promise<ExecuteRunOutcome> {
  const { store, workerId } = deps;
  const { run, graph } = claimed;
  const runId = run.id;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? defaultWorkerLogger();
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = Math.max(10, deps.heartbeatMs ?? Math.floor(leaseMs / 3));
  const runTimeoutMs = deps.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const maxInterruptions = deps.maxInterruptions ?? DEFAULT_MAX_INTERRUPTIONS;
  const firstStart = run.startedAt === null ? now() : Date.parse(run.startedAt);
  const deadline = firstStart + runTimeoutMs;
  // Claimed before: its recorded results are reused. Interrupted: counted against the cap.
  const resumed = run.attempts > 1;
  const interruptions = run.interruptions;

  const publish = (records: readonly RunEventRecord[]) => {
    try {
      deps.events?.publish(runId, records);
    } catch (error) {
      logger.warn({ err: error, runId }, 'publishing run events failed');
    }
  };

  type StopCause = 'cancel' | 'timeout' | 'release' | 'lost';
  let stopCause: StopCause | undefined;
  const controller = new AbortController();
  const stop = (cause: StopCause) => {
    if (stopCause) return;
    stopCause = cause;
    const reason =
      cause === 'cancel'
        ? runErrorCodes.E_CANCELED
        : cause === 'timeout'
          ? runErrorCodes.E_RUN_TIMEOUT
          : 'The worker stopped working on the run; it resumes elsewhere.';
    controller.abort(new Error(reason));
  };

  // Set once the engine returned: a drain that completes after that has nothing to hand back.
  let engineDone = false;
  // Nodes whose executor the gate held (drain, cancel): they never started.
  const held = new Set<string>();
  // The engine announces a node before the gate decides: its start is stored only once the
  // executor really runs, so the record never shows a node starting that did not.
  const announced = new Map<string, Extract<RunEvent, { type: 'node:start' }>>();
  const recordStart = (event: Extract<RunEvent, { type: 'node:start' }>) => {
    if (stopCause === 'release' || stopCause === 'lost') return;
    writer.nodeResult({
      nodeId: event.nodeId,
      status: 'RUNNING',
      input: null,
      output: null,
      error: null,
      attempts: event.attempt,
      startedAt: isoOrNull(event.at),
      finishedAt: null,
      durationMs: null,
      reused: false,
      hash: null,
      skippedBecause: null,
      meta: null,
    });
    writer.event(event);
  };
  const gate = createNodeGate(deps.registry, {
    // A cancel made through another process must stop the run before its next node runs,
    // not at the next heartbeat: one indexed read of the run row per node start.
    async beforeStart() {
      if (stopCause) return false;
      try {
        if ((await store.getRunById(runId))?.cancelRequestedAt) stop('cancel');
      } catch (error) {
        // The lease still fences every write: a worker that cannot read goes on.
        logger.warn({ err: error, runId }, 'checking for a cancel request failed');
      }
      return !stopCause;
    },
    onStart(nodeId) {
      const event = announced.get(nodeId);
      announced.delete(nodeId);
      if (event) recordStart(event);
    },
    onHold(nodeId) {
      announced.delete(nodeId);
      held.add(nodeId);
    },
    onDrained() {
      if (!engineDone) stop('release');
    },
  });

  const writer = createProgressWriter(store, runId, workerId, publish, (why, error) => {
    if (why === 'failed') logger.error({ err: error, runId }, 'storing run progress failed');
    else logger.warn({ runId, workerId }, 'the run was taken over by another worker');
    stop('lost');
  });

  // Heartbeat: renew the lease, and see cancel requests made through another process.
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void (async () => {
      try {
        if (!(await store.renewLease(runId, workerId, leaseMs))) {
          logger.warn({ runId, workerId }, 'the lease was lost');
          stop('lost');
          return;
        }
        if (!stopCause && (await store.getRunById(runId))?.cancelRequestedAt) stop('cancel');
      } catch (error) {
        // A missed beat is harmless while the lease lasts; the next one tries again.
        logger.warn({ err: error, runId }, 'renewing the lease failed');
      } finally {
        beating = false;
      }
    })();
  }, heartbeatMs);
  const onRelease = () => stop('release');
  const onCancel = () => stop('cancel');
  const onDrain = () => gate.close();
  deps.signal?.addEventListener('abort', onRelease, { once: true });
  deps.cancelSignal?.addEventListener('abort', onCancel, { once: true });
  deps.drainSignal?.addEventListener('abort', onDrain, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Ends the run, writing `progress` with it; publishes the final events. */
  async function finish(
    status: FinalRunStatus,
    error: ErrorInfo | null,
    counts: RunCounts,
    nodeResults: NodeResultInput[] = [],
  ): Promise<ExecuteRunOutcome> {
    await writer.drain();
    if (writer.broken) return { outcome: 'lost', runId };
    const at = now();
    const durationMs = Math.max(0, at - firstStart);
    const event: RunEvent = error
      ? { type: 'run:finish', runId, at, status, durationMs, error }
      : { type: 'run:finish', runId, at, status, durationMs };
    const ended = await store.finishRun(runId, workerId, {
      status,
      error,
      counts,
      durationMs,
      progress: { nodeResults, events: [event] },
    });
    if (!ended) {
      logger.warn({ runId, workerId }, 'the run could not be finished: the lease was lost');
      return { outcome: 'lost', runId };
    }
    publish(await store.listRunEvents(runId, writer.lastSeq));
    return { outcome: 'finished', runId, status };
  }

  /** Ends a run that will not (or no longer) execute: open node results end with it. */
  async function endWithout(
    status: 'FAILED' | 'CANCELED',
    error: ErrorInfo,
    recorded: readonly NodeResultRecord[],
  ): Promise<ExecuteRunOutcome> {
    const at = new Date(now()).toISOString();
    const counts = emptyCounts();
    const closed: NodeResultInput[] = [];
    for (const record of recorded) {
      if (record.status === 'RUNNING') {
        const { runId: _, ...input } = record;
        closed.push({
          ...input,
          status: status === 'CANCELED' ? 'CANCELED' : 'FAILED',
          error: { ...error, nodeId: record.nodeId },
          finishedAt: at,
        });
        countStatus(counts, status === 'CANCELED' ? 'CANCELED' : 'FAILED');
      } else {
        countStatus(counts, record.status);
      }
    }
    return finish(status, error, counts, closed);
  }

  try {
    const recorded = resumed
      ? ((await store.getRunDetail(run.ownerId, runId))?.nodeResults ?? [])
      : [];
    if (interruptions > maxInterruptions) {
      return await endWithout(
        'FAILED',
        runError(
          'E_RUN_INTERRUPTED',
          `The run was interrupted ${interruptions} times (its worker crashed or lost the run) and was given up; run it again.`,
        ),
        recorded,
      );
    }
    // A cancel may have landed between the claim's read and now; after this read, the
    // queue's `cancel` reaches this run through `cancelSignal`.
    const fresh = await store.getRunById(runId);
    if (fresh?.cancelRequestedAt || deps.cancelSignal?.aborted) {
      return await endWithout('CANCELED', runError('E_CANCELED'), recorded);
    }
    if (now() >= deadline) {
      return await endWithout(
        'FAILED',
        runError(
          'E_RUN_TIMEOUT',
          `The run took longer than its limit of ${formatDuration(runTimeoutMs)} and was stopped.`,
        ),
        recorded,
      );
    }
    if (deps.signal?.aborted || deps.drainSignal?.aborted) {
      await store.releaseRun(runId, workerId);
      return { outcome: 'released', runId };
    }

    // Reuse: the earlier run's unchanged results, then this run's own finished nodes.
    const reuse: Record<string, NodeResult> = {};
    if (run.reuseRunId !== null) {
      const earlier = await store.getRunDetail(run.ownerId, run.reuseRunId);
      for (const record of earlier?.nodeResults ?? []) {
        const reusable = toReusable(record);
        if (reusable) reuse[record.nodeId] = reusable;
      }
    }
    const done = new Map<string, NodeResultRecord>();
    for (const record of recorded) {
      const reusable = toReusable(record);
      if (!reusable) continue;
      reuse[record.nodeId] = reusable;
      done.set(record.nodeId, record);
    }
    // The engine always re-runs target nodes; targets this run already finished are dropped.
    let targetNodeIds = run.targetNodeIds ?? undefined;
    if (targetNodeIds && done.size > 0) {
      targetNodeIds = targetNodeIds.filter((id) => !done.has(id));
      if (targetNodeIds.length === 0) {
        const counts = emptyCounts();
        for (const record of recorded) countStatus(counts, record.status as NodeResult['status']);
        return await finish('SUCCESS', null, counts);
      }
    }

    const onEvent = (event: RunEvent) => {
      if (stopCause === 'release' || stopCause === 'lost') return;
      switch (event.type) {
        case 'run:start':
          if (!resumed) {
            writer.event(event);
          } else {
            const after =
              interruptions === 0
                ? 'a hand-over'
                : interruptions === 1
                  ? 'an interruption'
                  : `${interruptions} interruptions`;
            const entry = {
              at: event.at,
              level: 'info' as const,
              message: `Resumed after ${after}; ${done.size} finished node${done.size === 1 ? '' : 's'} kept.`,
            };
            writer.log({
              nodeId: null,
              level: entry.level,
              message: entry.message,
              metadata: null,
              at: entry.at,
            });
            writer.event({ type: 'log', runId, at: entry.at, entry });
          }
          return;
        case 'run:finish':
          // Written with the end of the run, in the same transaction.
          return;
        case 'node:start':
          // Stored by the gate's `onStart`, once the executor really runs.
          held.delete(event.nodeId);
          announced.set(event.nodeId, event);
          return;
        case 'node:finish':
          // Finished before the interruption: its record and event are already stored.
          if (event.result.reused && done.has(event.nodeId)) return;
          if (held.has(event.nodeId) && event.result.status === 'FAILED') {
            // A held node never ran, yet its own time limit ran out while it waited: hand
            // the run back now rather than let the engine count it as failed.
            stop('release');
            return;
          }
          writer.nodeResult(toNodeResultInput(event.nodeId, event.result));
          writer.event(event);
          return;
        case 'node:retry':
          if (held.has(event.nodeId)) return;
          writer.event(event);
          return;
        case 'log':
          writer.log({
            nodeId: event.entry.nodeId ?? null,
            level: event.entry.level,
            message: event.entry.message,
            metadata: event.entry.data ?? null,
            at: event.entry.at,
          });
          writer.event(event);
          return;
        default:
          writer.event(event);
      }
    };

    timer = setTimeout(() => stop('timeout'), Math.min(MAX_TIMER_MS, deadline - now()));
    let result: RunResult;
    try {
      result = await runWorkflow(
        {
          nodes: graph.nodes,
          edges: graph.edges,
          ...(graph.settings ? { settings: graph.settings } : {}),
        },
        {
          ...deps.engine,
          registry: gate.registry,
          runId,
          signal: controller.signal,
          onEvent,
          context: deps.context ?? {},
          now,
          ...(targetNodeIds ? { targetNodeIds } : {}),
          ...(Object.keys(reuse).length > 0 ? { reuse: { nodes: reuse } } : {}),
        },
      );
    } catch (error) {
      // The graph no longer validates (e.g. a node type the host removed), or the host's
      // engine options are invalid: retrying cannot help.
      return await endWithout('FAILED', toErrorInfo(error), recorded);
    } finally {
      engineDone = true;
    }
    clearTimeout(timer);

    if (stopCause === 'release' || stopCause === 'lost') {
      await writer.drain();
      if (stopCause === 'release' && (await store.releaseRun(runId, workerId))) {
        return { outcome: 'released', runId };
      }
      return { outcome: 'lost', runId };
    }
    const counts = emptyCounts();
    for (const node of Object.values(result.nodes)) countStatus(counts, node.status);
    for (const [nodeId, record] of done) {
      if (!(nodeId in result.nodes)) countStatus(counts, record.status as NodeResult['status']);
    }
    if (stopCause === 'timeout') {
      return await finish(
        'FAILED',
        runError(
          'E_RUN_TIMEOUT',
          `The run took longer than its limit of ${formatDuration(runTimeoutMs)} and was stopped.`,
        ),
        counts,
      );
    }
    if (stopCause === 'cancel') return await finish('CANCELED', runError('E_CANCELED'), counts);
    return await finish(result.status, result.error ?? null, counts);
  } catch (error) {
    // The store failed us: leave the lease to expire, and another attempt resumes the run.
    logger.error({ err: error, runId }, 'the run could not be executed');
    stop('lost');
    return { outcome: 'lost', runId };
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onRelease);
    deps.cancelSignal?.removeEventListener('abort', onCancel);
    deps.drainSignal?.removeEventListener('abort', onDrain);
  }
}
