import { Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { hostError } from '../errors';
import type { EventBus } from '../events';
import { defaultWorkerLogger } from '../executeRun';
import type { EnqueueInfo, RunQueue } from '../queue';
import {
  connected,
  outageReporter,
  quitClients,
  redisCall,
  watchConnection,
} from '../redis/connection';
import { createRunPool, type RunPoolOptions } from '../worker/runPool';

/** How the BullMQ queue and worker reach Redis, and where their keys live. */
export interface BullMQConnectionOptions {
  /** A `redis://` / `rediss://` URL or ioredis options. Either this or `client`. */
  connection?: string | Omit<RedisOptions, 'replyMapping'>;
  /**
   * An ioredis client the host opened (e.g. from `connectRedis`); its settings are copied into
   * the connections BullMQ needs (it never uses or closes the client itself). Either this or
   * `connection`.
   */
  client?: Redis;
  /** BullMQ's key prefix; several apps can share one Redis under different ones. Default `galaxyflow`. */
  prefix?: string;
  /** The queue's name. Default `runs`. */
  queueName?: string;
  /** Longest wait for Redis when enqueuing or canceling, in ms; past it the call fails as if Redis were down (503). Default 2,000. */
  commandTimeoutMs?: number;
  /**
   * Hears Redis connection trouble (once per outage, while ioredis reconnects) and BullMQ's
   * own errors. Default: the worker's `logger`, or `console.error` for the queue.
   */
  onConnectionError?: (error: unknown) => void;
}

/** What a job carries: the run to wake workers for. The store holds everything else. */
export interface RunJobData {
  runId: string;
  userId: string;
  /** `enqueue` for a new run, `handback` when a stopping worker handed the run back. */
  reason: 'enqueue' | 'handback';
}

export type BullMQQueueOptions = BullMQConnectionOptions;

/** The API side: puts runs on the queue and carries cancels to the worker holding them. */
export interface BullMQRunQueue extends RunQueue {
  /** The BullMQ queue, for dashboards and counts (`getJobCounts()`). */
  readonly queue: Queue<RunJobData>;
  /** Closes the connections the queue opened. */
  close(): Promise<void>;
}

export interface BullMQWorkerOptions extends BullMQConnectionOptions, RunPoolOptions {
  /**
   * How often an idle worker also looks in the store for runs no job woke it for (a run over
   * its owner's cap when its job came, a lease that expired), in ms. Default 1,000.
   */
  pollMs?: number;
  /**
   * How long a job's lock lasts without renewal, in ms: a worker killed mid-run leaves its jobs
   * stalled, and BullMQ hands them to another worker once the lock is gone. Default `leaseMs`.
   */
  lockDurationMs?: number;
}

/** A worker process's BullMQ consumer over the store. */
export interface BullMQWorker {
  /** The bus the runs publish to (pass a Redis event bus so every API instance hears them). */
  readonly events: EventBus;
  /** The lease owner id of this worker. */
  readonly workerId: string;
  /** The BullMQ worker, for its events. */
  readonly worker: Worker<RunJobData>;
  start(): Promise<void>;
  /** Throws while the worker cannot take work (not started, stopping, Redis or the store failing). */
  checkReady(): Promise<void>;
  /**
   * Stops taking jobs and starting nodes; nodes in flight finish up to the deadline, then each
   * run is handed back (QUEUED, results kept) and put on the queue again for another worker.
   */
  stop(options?: { deadlineMs?: number }): Promise<void>;
  /** Stops (if running) and closes the connections the worker opened. */
  close(options?: { deadlineMs?: number }): Promise<void>;
  /** Ids of the runs this worker is executing now. */
  activeRuns(): string[];
  /** Resolves when this worker has no run in flight and found nothing left to claim. */
  idle(): Promise<void>;
}

const DEFAULT_PREFIX = 'galaxyflow';
const DEFAULT_QUEUE = 'runs';

interface Links {
  /** Opens a connection of BullMQ's kind (`maxRetriesPerRequest: null`), closed by `close`. */
  open(name: string): Redis;
  close(): Promise<void>;
}

function links(options: BullMQConnectionOptions, factory: string): Links {
  if (!options.client === !options.connection) {
    throw hostError(
      'E_INVALID_OPTION',
      `${factory}: pass either \`connection\` (a Redis URL or ioredis options) or \`client\` (an ioredis client), not ${options.client ? 'both' : 'neither'}.`,
      { option: 'connection' },
    );
  }
  const onError =
    options.onConnectionError ??
    ((error: unknown) => console.error(`${factory}: Redis error`, error));
  const owned: Redis[] = [];
  return {
    open(name) {
      // BullMQ blocks on its connections and needs commands to wait through a reconnect.
      const settings = { connectionName: name, maxRetriesPerRequest: null };
      const { client, connection } = options;
      const redis = client
        ? client.duplicate(settings)
        : typeof connection === 'string'
          ? new Redis(connection, settings)
          : new Redis({ ...connection, ...settings });
      outageReporter(onError, redis);
      watchConnection(redis);
      owned.push(redis);
      return redis;
    },
    close: () => quitClients(owned.splice(0)),
  };
}

const cancelChannel = (prefix: string, queueName: string) => `${prefix}:${queueName}:cancel`;

const jobOptions = {
  // The store keeps the run's record; the job is only its wake-up.
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
  // A job whose claim failed (the store was down) is tried again; the workers' own look in
  // the store every `pollMs` catches a run whose job ran out of attempts.
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
};

/**
 * The run queue of a cluster's API instances on BullMQ: `enqueue` adds a job naming the run
 * (already a QUEUED row in the shared store) and `cancel` tells every worker, over Redis
 * pub/sub, to stop the run if it holds it, so a cancel acknowledged on any instance stops the
 * run on whichever worker executes it at once (the heartbeat's look at the store is the
 * fallback). Redis unreachable: both fail fast with `E_REDIS_UNAVAILABLE` (the API answers 503
 * with Retry-After and the run is not left waiting). Workers: `createBullMQWorker`.
 */
export function createBullMQQueue(options: BullMQQueueOptions): BullMQRunQueue {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const queueName = options.queueName ?? DEFAULT_QUEUE;
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  const link = links(options, 'createBullMQQueue');
  const redis = link.open('galaxyflow-queue');
  const queue = new Queue<RunJobData>(queueName, {
    connection: redis,
    prefix,
    defaultJobOptions: jobOptions,
  });
  queue.on('error', (error) => options.onConnectionError?.(error));
  const channel = cancelChannel(prefix, queueName);

  return {
    queue,
    async enqueue(runId: string, info: EnqueueInfo) {
      const job = await redisCall(redis, 'putting the run on the queue', timeoutMs, () =>
        queue.add('run', { runId, userId: info.userId, reason: 'enqueue' }),
      );
      return job.id === undefined ? undefined : { externalId: job.id };
    },
    async cancel(runId) {
      await redisCall(redis, 'telling the workers to cancel', timeoutMs, () =>
        redis.publish(channel, runId),
      );
    },
    async start() {
      await connected(redis);
    },
    async checkReady() {
      await redisCall(redis, 'checking the queue', timeoutMs, () => redis.ping());
    },
    async stop() {},
    async close() {
      await queue.close();
      await link.close();
    },
  };
}

/**
 * A worker process of the cluster: takes jobs from the BullMQ queue and runs them against the
 * shared store. The store decides which run goes next (the owner with the fewest runs RUNNING,
 * under the per-user cap, expired leases first), so fairness and caps hold across every worker;
 * a job holds its lock while the run it claimed executes. A worker killed mid-run leaves its
 * jobs stalled: BullMQ hands them to another worker once their lock expires, and that worker
 * takes the run over from the store (its lease expired too) and resumes it from the recorded
 * node results, so no finished node (no paid LLM call) runs twice.
 */
export function createBullMQWorker(options: BullMQWorkerOptions): BullMQWorker {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const queueName = options.queueName ?? DEFAULT_QUEUE;
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const pool = createRunPool(options);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const slots = concurrency + Math.max(0, options.idleUserSlots ?? concurrency);
  const logger = options.logger ?? defaultWorkerLogger();
  const reportError =
    options.onConnectionError ??
    ((error: unknown) => logger.error({ err: error }, 'the BullMQ worker hit an error'));
  const link = links({ ...options, onConnectionError: reportError }, 'createBullMQWorker');
  const command = link.open('galaxyflow-worker');
  const subscriber = link.open('galaxyflow-worker-cancel');
  const queue = new Queue<RunJobData>(queueName, {
    connection: command,
    prefix,
    defaultJobOptions: jobOptions,
  });
  queue.on('error', reportError);
  const channel = cancelChannel(prefix, queueName);
  subscriber.on('message', (from: string, runId: string) => {
    if (from === channel) pool.cancel(runId);
  });
  // Resubscribes by itself after a reconnect (ioredis' autoResubscribe).
  void subscriber.subscribe(channel).catch(reportError);

  const handBack = async (runId: string, userId: string) => {
    try {
      await queue.add('run', { runId, userId, reason: 'handback' });
    } catch (error) {
      // The other workers' look in the store finds it within `pollMs`.
      reportError(error);
    }
  };

  const worker = new Worker<RunJobData>(
    queueName,
    async (job) => {
      if (!pool.started || pool.stopping) {
        // Fetched as this worker stops: another one takes the run.
        await handBack(job.data.runId, job.data.userId);
        return { runId: null };
      }
      // Any run the store says is next, not necessarily this job's: fairness is the store's.
      const held = await pool.claimOne();
      if (!held) return { runId: null };
      const outcome = await held.done;
      if (outcome?.outcome === 'released') await handBack(held.runId, job.data.userId);
      return { runId: held.runId, outcome: outcome?.outcome ?? 'error' };
    },
    {
      connection: link.open('galaxyflow-worker-jobs'),
      prefix,
      concurrency: slots,
      autorun: false,
      lockDuration: options.lockDurationMs ?? leaseMs,
      stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? leaseMs) / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on('error', reportError);
  let poller: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  async function stop(stopOptions?: { deadlineMs?: number }) {
    if (poller) clearInterval(poller);
    poller = undefined;
    // Takes no new job; the jobs in hand end as their runs are handed back.
    const closing = running ? worker.close() : Promise.resolve();
    await pool.stop(stopOptions);
    await closing;
    await running?.catch(() => {});
    running = undefined;
  }

  return {
    events: pool.events,
    workerId: pool.workerId,
    worker,
    async start() {
      if (closed) throw hostError('E_INVALID_OPTION', 'createBullMQWorker: the worker is closed.');
      if (pool.started && !pool.stopping) return;
      pool.start();
      running ??= worker.run().catch(reportError);
      poller ??= setInterval(pool.fill, pollMs);
    },
    async checkReady() {
      if (!pool.started || pool.stopping)
        throw new Error('The BullMQ worker is not started or is stopping.');
      await redisCall(command, 'checking the queue', timeoutMs, () => command.ping());
      const failure = pool.claimFailure();
      if (failure !== undefined) {
        throw new Error('The BullMQ worker cannot claim runs from its store.', { cause: failure });
      }
    },
    stop,
    async close(closeOptions) {
      if (closed) return;
      closed = true;
      await stop(closeOptions);
      await worker.close();
      await queue.close();
      await link.close();
    },
    activeRuns: pool.activeRuns,
    idle: pool.idle,
  };
}
