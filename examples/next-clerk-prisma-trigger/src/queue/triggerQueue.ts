import type { RunQueue, RunStore } from '@galaxyflow/server-adapter';

/** The id of the Trigger.dev task that executes Galaxy runs (`src/trigger/galaxyRun.ts`). */
export const GALAXY_RUN_TASK_ID = 'galaxy-run';

/** What the task receives: the run id only; the store holds the graph and everything else. */
export interface GalaxyRunPayload {
  runId: string;
}

/** The subset of Trigger.dev's `TriggerOptions` the queue sets. */
export interface GalaxyTriggerOptions {
  /** One Trigger.dev run per Galaxy run, however often enqueueing is retried. */
  idempotencyKey: string;
  /** A copy of the task's queue per user: its concurrency limit becomes a per-user cap. */
  concurrencyKey: string;
  /** Finds a user's or a run's jobs in the Trigger.dev dashboard. */
  tags: string[];
}

/**
 * The two Trigger.dev calls the queue makes. `triggerSdkClient()` binds them to
 * `tasks.trigger` and `runs.cancel` of `@trigger.dev/sdk`; tests pass fakes.
 */
export interface TriggerDevClient {
  trigger(
    taskId: string,
    payload: GalaxyRunPayload,
    options: GalaxyTriggerOptions,
  ): Promise<{ id: string }>;
  cancel(triggerRunId: string): Promise<unknown>;
}

/** Where the queue reports a Trigger.dev call that failed without failing the request. */
export interface TriggerQueueLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface TriggerQueueOptions {
  /** Finds the Trigger.dev run id recorded on a Galaxy run. Required. */
  store: Pick<RunStore, 'getRunById'>;
  /** Trigger.dev's API. Required: `triggerSdkClient()` in an app, a fake in tests. */
  client: TriggerDevClient;
  /** Task to trigger. Default `'galaxy-run'`. */
  taskId?: string;
  /** Failed cancel calls. Default: silent. */
  logger?: TriggerQueueLogger;
}

/** The idempotency key of a run's job: stable, so a retried enqueue finds the first job. */
export function galaxyRunIdempotencyKey(runId: string): string {
  return `galaxy-run:${runId}`;
}

/**
 * `RunQueue` over Trigger.dev. `enqueue` triggers the `galaxy-run` task, whose worker calls the
 * same `executeRun` the in-process queue uses; the store stays the source of truth and the
 * Trigger.dev run id is recorded as the run's `externalId`. Workers live in Trigger.dev, so
 * `start` and `stop` have nothing to do.
 */
export function createTriggerQueue(options: TriggerQueueOptions): RunQueue {
  const { store, client } = options;
  const taskId = options.taskId ?? GALAXY_RUN_TASK_ID;

  return {
    async enqueue(runId, info) {
      const handle = await client.trigger(
        taskId,
        { runId },
        {
          idempotencyKey: galaxyRunIdempotencyKey(runId),
          concurrencyKey: info.userId,
          tags: [`galaxy-run:${runId}`, `galaxy-user:${info.userId}`],
        },
      );
      return { externalId: handle.id };
    },

    async cancel(runId) {
      // The store already holds the cancel request, and the worker checks it at every
      // heartbeat: aborting the Trigger.dev run only makes the stop immediate. A failed call
      // therefore must not fail the user's cancel.
      const run = await store.getRunById(runId);
      if (!run?.externalId) return;
      try {
        await client.cancel(run.externalId);
      } catch (error) {
        options.logger?.warn(
          { err: error, runId, triggerRunId: run.externalId },
          'Trigger.dev did not cancel the run; it stops at its next heartbeat',
        );
      }
    },

    async start() {},

    async stop() {},
  };
}
