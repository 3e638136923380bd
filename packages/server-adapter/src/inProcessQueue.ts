import { randomUUID } from 'node:crypto';
import type { NodeRegistry, RunContext } from '@galaxyflow/engine';
import { createMemoryEventBus, type EventBus } from './events';
import {
  defaultWorkerLogger,
  type EngineDefaults,
  type ExecuteRunOutcome,
  executeClaimedRun,
  type WorkerLogger,
} from './executeRun';
import type { ErrorHook, WorkerMetrics } from './observe';
import type { RunQueue } from './queue';
import type { RunStore } from './store/types';

export interface InProcessQueueOptions {
  /** Where runs live; its QUEUED rows are the queue. Required. */
  store: RunStore;
  /** Node types runs may use. Required. */
  registry: NodeRegistry;
  /**
   * Host services handed to every node, e.g.
   * `llmContext({ providers: createProvidersFromEnv(process.env, [geminiFromEnv]) })`. Default `{}`.
   */
  context?: RunContext;
  /** Carries events to the SSE streams; pass the same bus to the router. Default `createMemoryEventBus()`. */
  events?: EventBus;
  /**
   * Runs this process executes at once. Default 4. Runs are claimed fairly across users: the
   * user with the fewest runs RUNNING goes first, so waiting users take turns.
   */
  concurrency?: number;
  /** Runs one user may have RUNNING at once, across every worker on the store; the rest wait QUEUED. Default 2. */
  maxRunsPerUser?: number;
  /**
   * Slots beyond `concurrency` kept for users with nothing RUNNING: when other users fill
   * every slot with long runs, a user's first run still starts at once instead of waiting for
   * one of them to end. Default `concurrency`; 0 for none.
   */
  idleUserSlots?: number;
  /** How long a claimed run's lease lasts without renewal, in ms. Default 30,000. */
  leaseMs?: number;
  /** How often leases are renewed and cancel requests looked for, in ms. Default `leaseMs / 3`. */
  heartbeatMs?: number;
  /** How often an idle worker looks for queued runs and expired leases, in ms. Default 1,000. */
  pollMs?: number;
  /** Time limit of a run from its first start, in ms. Default 3,600,000 (1 hour). */
  runTimeoutMs?: number;
  /**
   * Interruptions (takeovers after a crash; graceful stops do not count) a run survives
   * before it ends FAILED with `E_RUN_INTERRUPTED`. Default 2.
   */
  maxInterruptions?: number;
  /** Engine defaults for every run (concurrency, node timeout, retry, failure mode). Default the engine's. */
  engine?: EngineDefaults;
  /** Lease owner id of this worker. Default `<pid>-<random>`. */
  workerId?: string;
  /**
   * Where failures around runs are reported (a failing store, lost leases). Default a pino
   * logger at `warn` (`defaultWorkerLogger()`); pass the router's logger to keep one stream.
   */
  logger?: WorkerLogger;
  /** Hears of every run ended or given up by an internal fault (`executeRun`'s `onError`). Default none. */
  onError?: ErrorHook;
  /** Where run, node and queue-wait measurements go, e.g. `createPrometheusMetrics()`. Default none. */
  metrics?: WorkerMetrics;
}

/** The embedded durable queue. */
export interface InProcessQueue extends RunQueue {
  /** The bus its runs publish to: hand it to `createGalaxyRouter({ events })`. */
  readonly events: EventBus;
  /** The lease owner id of this worker. */
  readonly workerId: string;
  /** Ids of the runs this worker is executing now. */
  activeRuns(): string[];
  /** Resolves when this worker has no run in flight and found nothing left to claim. */
  idle(): Promise<void>;
}

interface Slot {
  /** Winds the run down: no new node starts, nodes in flight finish, then it is handed back. */
  drain: AbortController;
  /** Hands the run back at once, aborting nodes in flight. */
  release: AbortController;
  cancel: AbortController;
  done: Promise<ExecuteRunOutcome | undefined>;
}

/**
 * The default queue: durable because the queue *is* the store. Workers claim QUEUED runs
 * (and runs whose lease expired, first) with a lease in one transaction, so two workers on
 * one database never run the same run; a crashed worker's runs are resumed by whichever
 * worker claims next, on start and on every poll. `stop` stops claiming and starting nodes,
 * lets the nodes in flight finish up to a deadline (their results are stored and reused
 * where the run resumes, so an LLM call is not paid twice), and hands each run back.
 */
export function createInProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const { store } = options;
  const events = options.events ?? createMemoryEventBus();
  const workerId = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxRunsPerUser = options.maxRunsPerUser ?? 2;
  const idleUserSlots = Math.max(0, options.idleUserSlots ?? concurrency);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const logger = options.logger ?? defaultWorkerLogger();
  const slots = new Map<string, Slot>();
  let started = false;
  let stopping = false;
  let poller: ReturnType<typeof setInterval> | undefined;
  let claiming: Promise<void> | null = null;
  let claimAgain = false;
  // The last claim's failure, until a claim succeeds: a store that cannot claim is not ready.
  let claimFailure: unknown;
  const idleWaiters: (() => void)[] = [];

  const deps = {
    store,
    registry: options.registry,
    events,
    workerId,
    leaseMs,
    ...(options.context ? { context: options.context } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.runTimeoutMs !== undefined ? { runTimeoutMs: options.runTimeoutMs } : {}),
    ...(options.maxInterruptions !== undefined
      ? { maxInterruptions: options.maxInterruptions }
      : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    logger,
  };

  function settleIdle(): void {
    if (slots.size > 0 || claiming) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  /** Claims runs while there are free slots; one claim loop at a time. */
  function fill(): void {
    if (!started || stopping) {
      settleIdle();
      return;
    }
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = (async () => {
      do {
        claimAgain = false;
        while (!stopping && slots.size < concurrency + idleUserSlots) {
          // Past `concurrency`, only a user with nothing running may take a slot.
          const cap = slots.size < concurrency ? maxRunsPerUser : Math.min(1, maxRunsPerUser);
          let claimed: Awaited<ReturnType<RunStore['claimRun']>>;
          try {
            claimed = await store.claimRun({ workerId, leaseMs, maxRunningPerOwner: cap });
          } catch (error) {
            if (claimFailure === undefined)
              logger.error({ err: error, workerId }, 'claiming a run failed');
            claimFailure = error;
            break;
          }
          claimFailure = undefined;
          if (!claimed) break;
          launch(claimed);
        }
      } while (claimAgain && !stopping && slots.size < concurrency + idleUserSlots);
    })().finally(() => {
      claiming = null;
      settleIdle();
    });
  }

  function launch(claimed: NonNullable<Awaited<ReturnType<RunStore['claimRun']>>>): void {
    const runId = claimed.run.id;
    const drain = new AbortController();
    const release = new AbortController();
    const cancel = new AbortController();
    // Claimed while `stop` began: it winds down with the others.
    if (stopping) drain.abort();
    const done = executeClaimedRun(claimed, {
      ...deps,
      releaseSignal: release.signal,
      drainSignal: drain.signal,
      cancelSignal: cancel.signal,
    })
      .catch((error: unknown) => {
        logger.error({ err: error, runId }, 'the run failed outside the engine');
        return undefined;
      })
      .finally(() => {
        slots.delete(runId);
        // A slot is free, and the run's owner may be under the cap again.
        fill();
      });
    slots.set(runId, { drain, release, cancel, done });
  }

  return {
    events,
    workerId,
    async enqueue() {
      // The run is already a QUEUED row: claiming it is all there is to do.
      fill();
      return undefined;
    },
    async cancel(runId) {
      slots.get(runId)?.cancel.abort();
    },
    async checkReady() {
      if (!started || stopping)
        throw new Error('The in-process queue is not started or is stopping.');
      if (claimFailure !== undefined) {
        throw new Error('The in-process queue cannot claim runs from its store.', {
          cause: claimFailure,
        });
      }
    },
    async start() {
      if (started && !stopping) return;
      started = true;
      stopping = false;
      // Runs left by a crashed worker are claimed here first: expired leases go before QUEUED.
      fill();
      // Keeps the process alive while started: a worker-only process needs nothing else.
      poller = setInterval(fill, pollMs);
    },
    async stop(stopOptions = {}) {
      stopping = true;
      if (poller) clearInterval(poller);
      poller = undefined;
      const deadlineMs = stopOptions.deadlineMs ?? 10_000;
      const inFlight = () => [...slots.values()].map((slot) => slot.done);
      // No node starts from now on; each run is handed back once its nodes in flight end.
      for (const slot of slots.values()) slot.drain.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([Promise.allSettled(inFlight()), deadline]);
      clearTimeout(timer);
      // Past the deadline: abort the nodes still running and hand their runs back.
      for (const slot of slots.values()) slot.release.abort();
      await Promise.allSettled(inFlight());
      if (claiming) await claiming;
      started = false;
      settleIdle();
    },
    activeRuns() {
      return [...slots.keys()];
    },
    idle() {
      if (slots.size === 0 && !claiming) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
