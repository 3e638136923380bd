import { randomUUID } from 'node:crypto';
import {
  type ErrorInfo,
  type NodeRegistry,
  type NodeResult,
  type PriceTable,
  type RunContext,
  type RunEvent,
  type RunHandle,
  type RunOptions,
  type RunSnapshot,
  startRun,
  sumRunUsage,
  toErrorInfo,
} from '@galaxyflow/engine';
import { pino } from 'pino';
import type { BudgetGuard } from './budget';
import { type RunErrorCode, runErrorCodes } from './errors';
import type { EventBus } from './events';
import { type ErrorHook, reportError, type WorkerMetrics } from './observe';
import { countStatus, emptyCounts } from './store/shared';
import type {
  ClaimedRun,
  FinalRunStatus,
  NodeResultInput,
  NodeResultRecord,
  RunCounts,
  RunEventRecord,
  RunStore,
  WorkflowStore,
} from './store/types';
import { createProgressWriter } from './worker/progressWriter';
import { ownerLoader } from './workflowLoader';
import {
  snapshotFromRecords,
  startedNodeInput,
  toNodeResultInput,
  toReusable,
} from './worker/records';

/**
 * Engine settings a queue applies to every run. A workflow's own settings may lower
 * `concurrency` and choose its failure mode; its retry policy and time limits are held to
 * `caps` (the engine's defaults when not given). `trace` sets the tracer and whether prompts
 * are recorded; each run's span takes its parent (the request that made it) and workflow id
 * from the store.
 */
export type EngineDefaults = Pick<
  RunOptions,
  'concurrency' | 'nodeTimeoutMs' | 'retry' | 'failureMode' | 'caps' | 'sliceMs' | 'trace'
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
  /**
   * Where Workflow and Map nodes load the saved versions they call, as the run's owner. Default
   * the store itself when it keeps workflows too (every `GalaxyStore` does); with neither, such
   * nodes fail with `E_SUBWORKFLOWS_UNAVAILABLE`.
   */
  workflows?: Pick<WorkflowStore, 'getWorkflowVersion'>;
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
   * hand-overs (`releaseSignal`, `drainSignal`) are not interruptions. Default 2.
   */
  maxInterruptions?: number;
  /** Engine defaults for every run. Default the engine's own. */
  engine?: EngineDefaults;
  /**
   * Aborting hands the run back to the queue at once (shutdown past its deadline): nodes in
   * flight are aborted and run again where the run resumes (the engine's
   * `drain({ abortInFlight: true })`). Not a cancel: the run goes on elsewhere. Default none.
   */
  releaseSignal?: AbortSignal;
  /**
   * Aborting winds the run down for a graceful stop (the engine's `drain()`): no node starts
   * after it, nodes in flight run to the end and their results are stored, then the run is
   * handed back (`released`), and the worker that resumes it keeps those results. A run whose
   * last nodes were in flight simply finishes. Default none.
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
  /**
   * Hears of every run this worker ends or gives up by an internal fault (a failing store, a
   * run interrupted too often, a graph the registry no longer runs), never of a node's own
   * failure. Default none (faults are logged).
   */
  onError?: ErrorHook;
  /** Where run, node, queue-wait and provider measurements go. Default none. */
  metrics?: WorkerMetrics;
  /**
   * Prices that give each model call its cost (`mergePriceTables(defaultPriceTable, yours)`),
   * handed to the nodes as the context's `prices`. Default the engine's `defaultPriceTable`.
   */
  prices?: PriceTable;
  /**
   * Per-user limits on model calls (`createBudgetGuard`): each run's nodes ask it before every
   * call, and a call past a limit fails its node with `E_BUDGET_EXCEEDED`. Default none.
   */
  budget?: BudgetGuard;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** How `executeRun` left the run. */
export type ExecuteRunOutcome =
  /** The run ended with this status; its record, results and events are stored. */
  | { outcome: 'finished'; runId: string; status: FinalRunStatus }
  /** Nothing was done: the run does not exist, already ended, or another worker holds it. */
  | { outcome: 'skipped'; runId: string; reason: 'not_found' | 'finished' | 'held' }
  /** The run went back to the queue (`releaseSignal` or `drainSignal` aborted); the next claim resumes it. */
  | { outcome: 'released'; runId: string }
  /** The worker lost the run (lease taken over, store failing); its lease expiry hands it on. */
  | { outcome: 'lost'; runId: string };

const DEFAULT_LEASE_MS = 30_000;
const ADMITTED = {
  maxNodes: Number.MAX_SAFE_INTEGER,
  maxEdges: Number.MAX_SAFE_INTEGER,
  maxBytes: Number.MAX_SAFE_INTEGER,
} as const;
const DEFAULT_RUN_TIMEOUT_MS = 60 * 60 * 1000;
const DEFAULT_MAX_INTERRUPTIONS = 2;

let sharedWorkerLogger: WorkerLogger | undefined;

/**
 * The logger workers use unless given one: pino at `warn`, JSON lines on stdout like the
 * router's, made once per process.
 */
export function defaultWorkerLogger(): WorkerLogger {
  sharedWorkerLogger ??= pino({ name: 'galaxyflow-worker', level: 'warn' });
  return sharedWorkerLogger;
}

function runError(code: RunErrorCode, message: string = runErrorCodes[code]): ErrorInfo {
  return { code, message, retryable: false };
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * Claims the run and does its work: the function any queue calls (the in-process queue, a
 * Trigger.dev task, a BullMQ job). It runs the workflow through the engine and stores every
 * event the engine emits, as it is, with the node result or log line it carries (one
 * transaction per burst, fenced by the worker's lease), so a client streaming the run sees the
 * engine's own sequence. A run that was interrupted or handed back resumes from its stored
 * results: nodes that ended are kept, not run again.
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
  const firstStart = run.startedAt ?? now();
  const interruptions = run.interruptions;
  const { metrics } = deps;
  const workflows =
    deps.workflows ??
    (typeof (store as Partial<WorkflowStore>).getWorkflowVersion === 'function'
      ? (store as unknown as Pick<WorkflowStore, 'getWorkflowVersion'>)
      : undefined);
  // The first claim ends the run's wait in the queue; later ones are resumes.
  if (run.attempts === 1)
    metrics?.runClaimed({ waitSeconds: Math.max(0, firstStart - run.createdAt) / 1000 });

  const fault = (error: unknown, code: string) =>
    reportError(
      deps.onError,
      error,
      { kind: 'run', runId, userId: run.ownerId, workflowId: run.workflowId, code, workerId },
      (details, message) => logger.error(details, message),
    );
  /** Node types by id, for metrics; built on the first node that ends. */
  let typeById: Map<string, string> | undefined;
  const typeOf = (nodeId: string) => {
    typeById ??= new Map(graph.nodes.map((node) => [node.id, node.type]));
    return typeById.get(nodeId) ?? 'unknown';
  };

  const publish = (records: readonly RunEventRecord[]) => {
    try {
      deps.events?.publish(runId, records);
    } catch (error) {
      logger.warn({ err: error, runId }, 'publishing run events failed');
    }
  };

  const budget = deps.budget?.forRun(run.ownerId, runId);

  /** Set once this worker must stop writing: another worker holds the run, or the store fails. */
  let lost = false;
  let handle: RunHandle | undefined;
  /** The engine's last event, written with the end of the run in one transaction. */
  let finishEvent: Extract<RunEvent, { type: 'run:finish' }> | undefined;

  const writer = createProgressWriter(store, runId, workerId, publish, (why, error) => {
    if (why === 'failed') {
      logger.error({ err: error, runId }, 'storing run progress failed');
      fault(error, 'E_STORE_FAILED');
    } else logger.warn({ runId, workerId }, 'the run was taken over by another worker');
    loseRun();
  });

  function loseRun(): void {
    if (lost) return;
    lost = true;
    void handle?.drain({ abortInFlight: true });
  }

  async function cancelRequested(): Promise<boolean> {
    return Boolean((await store.getRunById(runId))?.cancelRequestedAt);
  }

  // Heartbeat: renew the lease, and see cancel requests made through another process.
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void (async () => {
      try {
        if (!(await store.renewLease(runId, workerId, leaseMs))) {
          logger.warn({ runId, workerId }, 'the lease was lost');
          loseRun();
          return;
        }
        if (!lost && (await cancelRequested())) handle?.cancel();
      } catch (error) {
        // A missed beat is harmless while the lease lasts; the next one tries again.
        logger.warn({ err: error, runId }, 'renewing the lease failed');
      } finally {
        beating = false;
      }
    })();
  }, heartbeatMs);
  const onRelease = () => void handle?.drain({ abortInFlight: true });
  const onDrain = () => void handle?.drain();
  const onCancel = () => handle?.cancel();
  deps.releaseSignal?.addEventListener('abort', onRelease, { once: true });
  deps.drainSignal?.addEventListener('abort', onDrain, { once: true });
  deps.cancelSignal?.addEventListener('abort', onCancel, { once: true });

  /** Ends the run with the engine's `run:finish` (or one of the queue's own), writing `nodeResults` with it. */
  async function finish(
    event: Extract<RunEvent, { type: 'run:finish' }>,
    counts: RunCounts,
    results: readonly NodeResult[],
    nodeResults: NodeResultInput[] = [],
  ): Promise<ExecuteRunOutcome> {
    await writer.drain();
    if (writer.broken) return { outcome: 'lost', runId };
    const ended = await store.finishRun(runId, workerId, {
      status: event.status,
      error: event.error ?? null,
      counts,
      durationMs: event.durationMs,
      usage: sumRunUsage(results),
      progress: { nodeResults, events: [event] },
    });
    if (!ended) {
      logger.warn({ runId, workerId }, 'the run could not be finished: the lease was lost');
      return { outcome: 'lost', runId };
    }
    metrics?.runFinished({ status: event.status, seconds: event.durationMs / 1000 });
    publish(await store.listRunEvents(runId, writer.lastSeq));
    return { outcome: 'finished', runId, status: event.status };
  }

  /** Ends a run that will not (or no longer) execute: open node results end with it. */
  async function endWithout(
    status: 'FAILED' | 'CANCELED',
    error: ErrorInfo,
    recorded: readonly NodeResultRecord[],
  ): Promise<ExecuteRunOutcome> {
    const at = now();
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
    const durationMs = Math.max(0, at - firstStart);
    return finish(
      { type: 'run:finish', runId, at, status, durationMs, error },
      counts,
      recorded,
      closed,
    );
  }

  /** Stores an engine event as it is, with the record it carries. */
  function record(event: RunEvent): void {
    if (lost) return;
    switch (event.type) {
      case 'run:finish':
        finishEvent = event;
        return;
      case 'node:start':
        writer.nodeResult(startedNodeInput(event));
        break;
      case 'node:finish':
        writer.nodeResult(toNodeResultInput(event.nodeId, event.result));
        // Once stored, the node's calls count in the ledger: the budget stops holding them.
        if (budget) void writer.drain().then(() => budget.stored(event.nodeId));
        metrics?.nodeFinished({
          type: typeOf(event.nodeId),
          status: event.result.status,
          // Reused and skipped nodes did no work: no duration to count.
          seconds:
            event.result.attempts > 0 && event.result.durationMs !== undefined
              ? event.result.durationMs / 1000
              : undefined,
          meta: event.result.meta,
        });
        break;
      case 'log':
        writer.log(event.entry);
        break;
    }
    writer.event(event);
  }

  try {
    // Claimed before: what the earlier claims recorded is kept. The run resumes (`run:resume`)
    // when they got as far as recording anything; else it starts afresh.
    const recorded =
      run.attempts > 1 ? ((await store.getRunDetail(run.ownerId, runId))?.nodeResults ?? []) : [];
    const resumed =
      recorded.length > 0 ||
      (run.attempts > 1 && (await store.listRunEvents(runId, 0, 1)).length > 0);
    if (interruptions > maxInterruptions) {
      const error = runError(
        'E_RUN_INTERRUPTED',
        `The run was interrupted ${interruptions} times (its worker crashed or lost the run) and was given up; run it again.`,
      );
      fault(new Error(error.message), error.code);
      return await endWithout('FAILED', error, recorded);
    }
    // A cancel may have landed between the claim's read and now; after this read, the
    // queue's `cancel` reaches this run through `cancelSignal`.
    if (deps.cancelSignal?.aborted || (await cancelRequested())) {
      return await endWithout('CANCELED', runError('E_CANCELED'), recorded);
    }
    if (now() >= firstStart + runTimeoutMs) {
      return await endWithout(
        'FAILED',
        runError(
          'E_RUN_TIMEOUT',
          `The run took longer than its limit of ${formatDuration(runTimeoutMs)} and was stopped.`,
        ),
        recorded,
      );
    }
    if (deps.releaseSignal?.aborted || deps.drainSignal?.aborted) {
      await store.releaseRun(runId, workerId);
      return { outcome: 'released', runId };
    }

    // Reuse: the unchanged results of the earlier run this one was asked to build on.
    const reuse: Record<string, NodeResult> = {};
    if (run.reuseRunId !== null) {
      const earlier = await store.getRunDetail(run.ownerId, run.reuseRunId);
      for (const earlierRecord of earlier?.nodeResults ?? []) {
        const reusable = toReusable(earlierRecord);
        if (reusable) reuse[earlierRecord.nodeId] = reusable;
      }
    }
    const resume: RunSnapshot | undefined = resumed
      ? snapshotFromRecords(runId, firstStart, recorded)
      : undefined;

    try {
      handle = startRun(graph, {
        ...deps.engine,
        registry: deps.registry,
        runId,
        runTimeoutMs,
        onEvent: record,
        // A cancel made through another process must stop the run before its next node
        // starts, not at the next heartbeat: one indexed read of the run row per start.
        beforeNodeStart: async () => {
          try {
            if (await cancelRequested()) handle?.cancel();
          } catch (error) {
            // The lease still fences every write: a worker that cannot read goes on.
            logger.warn({ err: error, runId }, 'checking for a cancel request failed');
          }
        },
        // Workflow and Map nodes load saved versions as the run's owner: another user's
        // workflow reads as absent, as it does through the API.
        context: {
          ...deps.context,
          ...(deps.prices ? { prices: deps.prices } : {}),
          ...(budget ? { budget } : {}),
          userId: run.ownerId,
          runId,
          ...(workflows ? { loadWorkflow: ownerLoader(workflows, run.ownerId) } : {}),
        },
        // The run span continues the trace of the request that made the run, in this process or another.
        trace: {
          ...deps.engine?.trace,
          ...(claimed.traceparent ? { parent: claimed.traceparent } : {}),
          ...(run.workflowId !== null ? { workflowId: run.workflowId } : {}),
        },
        // Size limits are the API's to apply when it accepts a run (the router's
        // `limits.workflow`, which a host may raise); the worker still checks the graph against
        // its registry, but does not refuse a run the API admitted for being large.
        limits: ADMITTED,
        now,
        ...(run.targetNodeIds ? { targetNodeIds: run.targetNodeIds } : {}),
        // The Input values the request gave; a run resumed on another worker gets them too.
        ...(claimed.inputs ? { inputs: claimed.inputs } : {}),
        ...(Object.keys(reuse).length > 0 ? { reuse: { nodes: reuse } } : {}),
        ...(resume ? { resume } : {}),
      });
    } catch (error) {
      // The graph no longer validates (e.g. a node type the host removed), or the host's
      // engine options are invalid: retrying cannot help.
      const info = toErrorInfo(error);
      fault(error, info.code);
      return await endWithout('FAILED', info, recorded);
    }
    // Signals that fired while the run was being set up.
    if (deps.cancelSignal?.aborted) handle.cancel();
    if (deps.releaseSignal?.aborted) void handle.drain({ abortInFlight: true });
    else if (deps.drainSignal?.aborted) void handle.drain();

    const snapshot = await handle.result;
    if (lost || snapshot.status === 'QUEUED' || !finishEvent) {
      await writer.drain();
      if (!lost && !writer.broken && (await store.releaseRun(runId, workerId))) {
        return { outcome: 'released', runId };
      }
      return { outcome: 'lost', runId };
    }
    const counts = emptyCounts();
    for (const node of Object.values(snapshot.nodes)) countStatus(counts, node.status);
    return await finish(finishEvent, counts, Object.values(snapshot.nodes));
  } catch (error) {
    // The store failed us: leave the lease to expire, and another attempt resumes the run.
    logger.error({ err: error, runId }, 'the run could not be executed');
    fault(error, 'E_STORE_FAILED');
    loseRun();
    return { outcome: 'lost', runId };
  } finally {
    budget?.close();
    clearInterval(heartbeat);
    deps.releaseSignal?.removeEventListener('abort', onRelease);
    deps.drainSignal?.removeEventListener('abort', onDrain);
    deps.cancelSignal?.removeEventListener('abort', onCancel);
  }
}
