import { pino } from 'pino';
import { hostError } from './errors';
import { DEFAULT_PRUNE_LIMIT } from './store/shared';
import type { RetentionPolicy, RunStore } from './store/types';

/** Where a retention pass reports: what it deleted, and why a pass failed. */
export interface RetentionLogger {
  info(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface RunRetentionOptions extends RetentionPolicy {
  /** The store to prune. Required. */
  store: Pick<RunStore, 'pruneRuns'>;
  /** Time between passes, in ms; the first pass starts at once. Default 1 hour (3,600,000). */
  intervalMs?: number;
  /**
   * Runs deleted per transaction. A pass deletes batch after batch, yielding to other work
   * between them, until fewer come back. Default 100.
   */
  batchSize?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Default: pino at `info`, JSON lines on stdout like the router's, so a failing pass is never silent. */
  logger?: RetentionLogger;
}

/** A running retention timer. */
export interface RunRetention {
  /** The policy it applies; pass it to the router's `retention` so a cap refusal can cite it. */
  readonly policy: RetentionPolicy;
  /** Runs a pass now (after the one in progress, if any); resolves with the runs it deleted. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

function checkPolicy(options: RunRetentionOptions): RetentionPolicy {
  const { olderThanMs, keepPerWorkflow } = options;
  const problems: string[] = [];
  if (olderThanMs === undefined && keepPerWorkflow === undefined) {
    problems.push('set `olderThanMs`, `keepPerWorkflow` or both');
  }
  if (olderThanMs !== undefined && !(Number.isFinite(olderThanMs) && olderThanMs >= 0)) {
    problems.push('`olderThanMs` must be a number of ms, 0 or more');
  }
  if (
    keepPerWorkflow !== undefined &&
    !(Number.isInteger(keepPerWorkflow) && keepPerWorkflow >= 1)
  ) {
    problems.push('`keepPerWorkflow` must be a whole number of at least 1');
  }
  for (const [name, value] of [
    ['intervalMs', options.intervalMs],
    ['batchSize', options.batchSize],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      problems.push(`\`${name}\` must be a whole number of at least 1`);
    }
  }
  if (problems.length > 0) {
    throw hostError('E_INVALID_OPTION', `startRunRetention: ${problems.join('; ')}.`, {
      options: ['olderThanMs', 'keepPerWorkflow', 'intervalMs', 'batchSize'],
    });
  }
  return {
    ...(olderThanMs === undefined ? {} : { olderThanMs }),
    ...(keepPerWorkflow === undefined ? {} : { keepPerWorkflow }),
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes finished runs past the host's policy now and every `intervalMs`: runs that ended
 * more than `olderThanMs` ago, and runs beyond the newest `keepPerWorkflow` of their
 * workflow. QUEUED and RUNNING runs are never touched. The timer does not keep the process
 * alive; call `stop()` before closing the store.
 */
export function startRunRetention(options: RunRetentionOptions): RunRetention {
  const policy = checkPolicy(options);
  const { store } = options;
  const intervalMs = options.intervalMs ?? 60 * 60 * 1000;
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_LIMIT;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ name: 'galaxyflow-retention' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let current: Promise<number> = Promise.resolve(0);

  async function pass(): Promise<number> {
    let deleted = 0;
    // One cutoff for the whole pass, so batches agree on what is old.
    const at = now();
    for (;;) {
      const batch = await store.pruneRuns({ ...policy, now: at, limit: batchSize });
      deleted += batch.deleted;
      if (batch.deleted < batchSize || stopped) break;
      await nextTurn();
    }
    if (deleted > 0) logger.info({ deleted, ...policy }, 'retention deleted finished runs');
    return deleted;
  }

  function runOnce(): Promise<number> {
    current = current.catch(() => 0).then(pass);
    return current;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => {
          logger.error({ err: error }, 'retention pass failed; the next pass tries again');
        })
        .finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref?.();
  }

  schedule(0);
  return {
    policy,
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current.catch(() => 0);
    },
  };
}
