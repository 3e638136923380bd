import { randomUUID } from 'node:crypto';
import type { NodeRegistry, PriceTable, RunContext } from '@galaxyflow/engine';
import { createMemoryEventBus, type EventBus } from '../events';
import {
  defaultWorkerLogger,
  type EngineDefaults,
  type ExecuteRunOutcome,
  executeClaimedRun,
  type WorkerLogger,
} from '../executeRun';
import type { ErrorHook, WorkerMetrics } from '../observe';
import { type BudgetGuard, type BudgetOptions, budgetGuardOf } from '../budget';
import type { ClaimedRun, RunStore } from '../store/types';

/** What every worker over a store takes: the in-process queue's and the BullMQ worker's options. */
export interface RunPoolOptions {
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
  /** Prices that give each model call its cost (`executeRun`'s `prices`). Default the engine's `defaultPriceTable`. */
  prices?: PriceTable;
  /**
   * Per-user daily and monthly token or cost limits on model calls: `{ limits, limitsFor }`,
   * kept against the store's ledger (`store.usage`, which the store must keep), or a guard of
   * your own (`createBudgetGuard`). A call past a limit fails its node with
   * `E_BUDGET_EXCEEDED`, and no request is made. Default none.
   */
  budgets?: BudgetOptions | BudgetGuard;
}


/** A run this worker holds, and how it ends. */
export interface HeldRun {
  readonly runId: string;
  /** Settles when the run ends or is handed back (undefined when it failed outside the engine). */
  readonly done: Promise<ExecuteRunOutcome | undefined>;
}

/**
 * The slots of one worker process over a store: claims runs fairly (the store picks the owner
 * with the fewest runs RUNNING, under the per-user cap), runs them, and winds them down on
 * stop. The queues decide when to claim: the in-process queue on enqueue and on a timer, the
 * BullMQ worker when a job arrives.
 */
export interface RunPool {
  readonly events: EventBus;
  readonly workerId: string;
  readonly started: boolean;
  readonly stopping: boolean;
  /** Claims runs while slots are free, in the background. */
  fill(): void;
  /**
   * Claims one run now if a slot is free and the store has one this worker may take; resolves
   * with the run it holds, or undefined. Waits for a claim already under way first, so two
   * claims never race for the last slot.
   */
  claimOne(): Promise<HeldRun | undefined>;
  /** Stops the run if this worker holds it. */
  cancel(runId: string): boolean;
  /** The last claim's failure, until a claim succeeds: a store that cannot claim is not ready. */
  claimFailure(): unknown;
  start(): void;
  stop(options?: { deadlineMs?: number }): Promise<void>;
  activeRuns(): string[];
  idle(): Promise<void>;
}

interface Slot extends HeldRun {
  /** Winds the run down: no new node starts, nodes in flight finish, then it is handed back. */
  drain: AbortController;
  /** Hands the run back at once, aborting nodes in flight. */
  release: AbortController;
  cancel: AbortController;
}

export function createRunPool(options: RunPoolOptions): RunPool {
  const { store } = options;
  const events = options.events ?? createMemoryEventBus();
  const workerId = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxRunsPerUser = options.maxRunsPerUser ?? 2;
  const idleUserSlots = Math.max(0, options.idleUserSlots ?? concurrency);
  const leaseMs = options.leaseMs ?? 30_000;
  const logger = options.logger ?? defaultWorkerLogger();
  const slots = new Map<string, Slot>();
  let started = false;
  let stopping = false;
  // Every claim goes through this chain, one at a time.
  let claimChain: Promise<unknown> = Promise.resolve();
  let claimsPending = 0;
  let filling = false;
  let fillAgain = false;
  let claimFailure: unknown;
  const idleWaiters: (() => void)[] = [];
  const budget = budgetGuardOf(store, options.budgets);

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
    ...(options.prices ? { prices: options.prices } : {}),
    ...(budget ? { budget } : {}),
    logger,
  };

  function settleIdle(): void {
    if (slots.size > 0 || claimsPending > 0 || filling) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  const hasRoom = () => started && !stopping && slots.size < concurrency + idleUserSlots;

  /** One claim, under the chain: undefined when there is no room or nothing to claim. */
  function claim(): Promise<HeldRun | undefined> {
    claimsPending += 1;
    const attempt = claimChain.then(async () => {
      if (!hasRoom()) return undefined;
      // Past `concurrency`, only a user with nothing running may take a slot.
      const cap = slots.size < concurrency ? maxRunsPerUser : Math.min(1, maxRunsPerUser);
      let claimed: ClaimedRun | undefined;
      try {
        claimed = await store.claimRun({ workerId, leaseMs, maxRunningPerOwner: cap });
      } catch (error) {
        if (claimFailure === undefined)
          logger.error({ err: error, workerId }, 'claiming a run failed');
        claimFailure = error;
        throw error;
      }
      claimFailure = undefined;
      return claimed ? launch(claimed) : undefined;
    });
    claimChain = attempt.catch(() => {});
    return attempt.finally(() => {
      claimsPending -= 1;
      settleIdle();
    });
  }

  function fill(): void {
    if (!hasRoom()) {
      settleIdle();
      return;
    }
    if (filling) {
      fillAgain = true;
      return;
    }
    filling = true;
    void (async () => {
      do {
        fillAgain = false;
        try {
          while (hasRoom()) {
            if (!(await claim())) break;
          }
        } catch {
          // Reported by `claim`; the next fill tries again.
          break;
        }
      } while (fillAgain && hasRoom());
    })().finally(() => {
      filling = false;
      settleIdle();
    });
  }

  function launch(claimed: ClaimedRun): Slot {
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
    const slot: Slot = { runId, drain, release, cancel, done };
    slots.set(runId, slot);
    return slot;
  }

  return {
    events,
    workerId,
    get started() {
      return started;
    },
    get stopping() {
      return stopping;
    },
    fill,
    async claimOne() {
      if (!hasRoom()) return undefined;
      return claim();
    },
    cancel(runId) {
      const slot = slots.get(runId);
      slot?.cancel.abort();
      return slot !== undefined;
    },
    claimFailure: () => claimFailure,
    start() {
      if (started && !stopping) return;
      started = true;
      stopping = false;
      // Runs left by a crashed worker are claimed here first: expired leases go before QUEUED.
      fill();
    },
    async stop(stopOptions = {}) {
      stopping = true;
      const deadlineMs = stopOptions.deadlineMs ?? 10_000;
      const inFlight = () => [...slots.values()].map((slot) => slot.done);
      // No node starts from now on; each run is handed back once its nodes in flight end.
      for (const slot of slots.values()) slot.drain.abort();
      // A claim under way lands drained (see `launch`) and is waited for with the others.
      await claimChain;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([Promise.allSettled(inFlight()), deadline]);
      clearTimeout(timer);
      // Past the deadline: abort the nodes still running and hand their runs back.
      for (const slot of slots.values()) slot.release.abort();
      await Promise.allSettled(inFlight());
      started = false;
      settleIdle();
    },
    activeRuns() {
      return [...slots.keys()];
    },
    idle() {
      if (slots.size === 0 && claimsPending === 0 && !filling) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
