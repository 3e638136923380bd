import type { NodeRegistry } from '@galaxyflow/engine';
import type { RunQueue } from '../../queue';
import type { GalaxyStore } from '../../store/types';

/** What an implementation hands the suite for one test. */
export interface QueueContractHarness {
  /** The queue under test. */
  queue: RunQueue;
  /** The store its workers read runs from and write results to. */
  store: GalaxyStore;
  /**
   * Lets the workers take every run enqueued so far, starting them the first time, and
   * resolves once nothing is left in flight. Until the first call no enqueued run may start,
   * so the suite can act on a run while it is still QUEUED. A queue whose workers run on
   * their own starts and waits for them (`await queue.start(); await queue.idle()`); a job
   * system runs its pending jobs here, through the same task body its workers run.
   */
  work(): Promise<void>;
  /** Frees what `create` made; called after `queue.stop()`, whatever the test did. */
  close(): Promise<void>;
}

export interface QueueContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /**
   * Makes a fresh queue over a fresh, empty store whose workers execute runs with
   * `registry` (the suite's own node types). Called once per test. Give workers a
   * heartbeat longer than 5 s, so that only `queue.cancel` can stop a run in time.
   */
  create: (options: {
    registry: NodeRegistry;
  }) => QueueContractHarness | Promise<QueueContractHarness>;
}
