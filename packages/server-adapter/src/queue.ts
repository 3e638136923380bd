import type { EventBus } from './events';

/** What the API tells the queue about a run it hands over. */
export interface EnqueueInfo {
  /** The run's owner, for per-user fairness and caps. */
  userId: string;
}

/**
 * Hands QUEUED runs to workers. The store holds the run; the queue only moves its id, so
 * a durable queue can be the store itself, or a host's job system (Trigger.dev, BullMQ).
 */
export interface RunQueue {
  /**
   * The bus this queue's workers publish run events to, when they run in this process; the
   * router streams from it unless given its own `events`.
   */
  readonly events?: EventBus;
  /** Schedules the run. May return the backend's job id, which the run row records. */
  enqueue(runId: string, info: EnqueueInfo): Promise<{ externalId?: string } | undefined>;
  /** Asks the worker holding the run to stop it; the store already marked the request. */
  cancel(runId: string): Promise<void>;
  /** Starts taking work. */
  start(): Promise<void>;
  /**
   * Throws when the queue cannot take work now (not started, stopping, its backend failing),
   * for `GET /ready`. Optional: without it the queue counts as ready.
   */
  checkReady?(): Promise<void>;
  /**
   * Stops taking work and starting nodes; nodes in flight finish up to the deadline (their
   * results kept), then the runs are handed back to resume elsewhere.
   */
  stop(options?: { deadlineMs?: number }): Promise<void>;
}
