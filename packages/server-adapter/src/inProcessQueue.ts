import type { EventBus } from './events';
import type { RunQueue } from './queue';
import { createRunPool, type RunPoolOptions } from './worker/runPool';

export interface InProcessQueueOptions extends RunPoolOptions {
  /** How often an idle worker looks for queued runs and expired leases, in ms. Default 1,000. */
  pollMs?: number;
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

/**
 * The default queue: durable because the queue *is* the store. Workers claim QUEUED runs
 * (and runs whose lease expired, first) with a lease in one transaction, so two workers on
 * one database never run the same run; a crashed worker's runs are resumed by whichever
 * worker claims next, on start and on every poll. `stop` stops claiming and starting nodes,
 * lets the nodes in flight finish up to a deadline (their results are stored and reused
 * where the run resumes, so an LLM call is not paid twice), and hands each run back.
 */
export function createInProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const pool = createRunPool(options);
  const pollMs = options.pollMs ?? 1000;
  let poller: ReturnType<typeof setInterval> | undefined;

  return {
    events: pool.events,
    workerId: pool.workerId,
    async enqueue() {
      // The run is already a QUEUED row: claiming it is all there is to do.
      pool.fill();
      return undefined;
    },
    async cancel(runId) {
      pool.cancel(runId);
    },
    async checkReady() {
      if (!pool.started || pool.stopping)
        throw new Error('The in-process queue is not started or is stopping.');
      const failure = pool.claimFailure();
      if (failure !== undefined) {
        throw new Error('The in-process queue cannot claim runs from its store.', {
          cause: failure,
        });
      }
    },
    async start() {
      if (pool.started && !pool.stopping) return;
      pool.start();
      // Keeps the process alive while started: a worker-only process needs nothing else.
      poller ??= setInterval(pool.fill, pollMs);
    },
    async stop(stopOptions) {
      if (poller) clearInterval(poller);
      poller = undefined;
      await pool.stop(stopOptions);
    },
    activeRuns: pool.activeRuns,
    idle: pool.idle,
  };
}
