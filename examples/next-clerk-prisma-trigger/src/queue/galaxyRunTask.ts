import type { ExecuteRunDeps, ExecuteRunOutcome, executeRun } from '@galaxyflow/server-adapter';
import type { GalaxyRunPayload } from './triggerQueue';

type ExecuteRun = typeof executeRun;

/** What one attempt of the `galaxy-run` task returns (its output in the Trigger.dev dashboard). */
export type GalaxyRunOutput =
  /** The run ended; its results and events are in the store. */
  | { runId: string; status: Extract<ExecuteRunOutcome, { outcome: 'finished' }>['status'] }
  /** Nothing to do: the run is gone or had already ended (a canceled queued run, a duplicate). */
  | { runId: string; skipped: 'not_found' | 'finished' };

/**
 * Thrown when the attempt could not finish the run but another attempt can: Trigger.dev
 * retries the task, and the next attempt resumes from the store (recorded node results are
 * reused, not re-executed).
 */
export class RunHandOffError extends Error {
  readonly code = 'E_RUN_HANDED_OFF';
  readonly runId: string;
  constructor(runId: string, why: string) {
    super(`Run ${runId} ${why}; a retry of this task resumes it.`);
    this.name = 'RunHandOffError';
    this.runId = runId;
  }
}

export interface GalaxyRunAttempt {
  /** Trigger.dev's run id and attempt number: the lease owner, unique per attempt. */
  triggerRunId: string;
  attempt: number;
  /** Aborted by Trigger.dev when the run is canceled or exceeds `maxDuration`. */
  signal: AbortSignal;
}

/**
 * The body of the `galaxy-run` task, apart from Trigger.dev so it can be tested at its
 * boundary. Cancellation in Trigger.dev is the run's cancellation: the task's signal becomes
 * `executeRun`'s `cancelSignal`, so the run ends CANCELED with its partial results kept.
 */
export async function runGalaxyRunTask(
  payload: GalaxyRunPayload,
  attempt: GalaxyRunAttempt,
  execute: ExecuteRun,
  deps: Omit<ExecuteRunDeps, 'workerId' | 'cancelSignal' | 'releaseSignal'>,
): Promise<GalaxyRunOutput> {
  const { runId } = payload;
  const outcome = await execute(runId, {
    ...deps,
    workerId: `trigger:${attempt.triggerRunId}:${attempt.attempt}`,
    cancelSignal: attempt.signal,
  });
  switch (outcome.outcome) {
    case 'finished':
      return { runId, status: outcome.status };
    case 'skipped':
      // A live lease elsewhere (a crashed attempt's, until it expires): try again later.
      if (outcome.reason === 'held') throw new RunHandOffError(runId, 'is held by another worker');
      return { runId, skipped: outcome.reason };
    case 'released':
      throw new RunHandOffError(runId, 'was handed back before it ended');
    case 'lost':
      throw new RunHandOffError(runId, 'lost its lease');
  }
}
