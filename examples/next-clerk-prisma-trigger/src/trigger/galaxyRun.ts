import { executeRun } from '@galaxyflow/server-adapter';
import { logger, queue, task } from '@trigger.dev/sdk';
import { runGalaxyRunTask } from '../queue/galaxyRunTask';
import { GALAXY_RUN_TASK_ID, type GalaxyRunPayload } from '../queue/triggerQueue';
import { flushErrorReports } from '../server/errorReporting';
import { workerDeps } from '../server/worker';

/**
 * Galaxy runs, one Trigger.dev queue copy per user (the queue triggers with
 * `concurrencyKey: userId`), so the limit below is each user's cap on concurrent runs.
 */
export const galaxyRunQueue = queue({
  name: 'galaxy-runs',
  concurrencyLimit: Number(process.env.GALAXY_MAX_RUNNING_PER_USER ?? 2),
});

/** Executes one Galaxy run: the same `executeRun` the in-process queue calls. */
export const galaxyRun = task({
  id: GALAXY_RUN_TASK_ID,
  queue: galaxyRunQueue,
  // Beyond executeRun's own run time limit (1 h), so the run ends FAILED with its reason
  // rather than being cut off.
  maxDuration: 65 * 60,
  // A retry resumes the run from the store; the first waits out a crashed attempt's lease.
  retry: { maxAttempts: 4, factor: 2, minTimeoutInMs: 35_000, maxTimeoutInMs: 120_000 },
  run: async (payload: GalaxyRunPayload, { ctx, signal }) => {
    const deps = await workerDeps();
    try {
      return await runGalaxyRunTask(
        payload,
        { triggerRunId: ctx.run.id, attempt: ctx.attempt.number, signal },
        executeRun,
        {
          ...deps,
          logger: {
            warn: (details, message) => logger.warn(message, details),
            error: (details, message) => logger.error(message, details),
          },
        },
      );
    } finally {
      // A fault reported during the run reaches Sentry before the task's process may stop.
      await flushErrorReports({ SENTRY_DSN: process.env.SENTRY_DSN });
    }
  },
  // Canceling in Trigger.dev aborts `signal`; wait for executeRun to end the run CANCELED and
  // store its final event before the worker is stopped.
  onCancel: async ({ runPromise }) => {
    await runPromise.catch(() => undefined);
  },
});
