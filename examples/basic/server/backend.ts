import {
  type CircuitSync,
  type NodeRegistry,
  type PriceTable,
  type RunContext,
  redactUrls,
} from '@galaxyflow/engine';
import {
  type AuthFailureLimiter,
  type BudgetOptions,
  createInProcessQueue,
  type ErrorHook,
  type EventBus,
  type GalaxyStore,
  type RateLimiter,
  type RunQueue,
  type WorkerMetrics,
} from '@galaxyflow/server-adapter';
import { createBullMQQueue, createBullMQWorker } from '@galaxyflow/server-adapter/bullmq';
import { createPostgresStore } from '@galaxyflow/server-adapter/postgres';
import {
  connectRedis,
  createRedisAuthFailureLimiter,
  createRedisCircuitSync,
  createRedisEventBus,
  createRedisRateLimiter,
} from '@galaxyflow/server-adapter/redis';
import type { Logger } from 'pino';
import { type AppConfig, ConfigError, isClusterMode } from './config';
import { openWritableStore } from './dataDir';

/**
 * Where the app keeps what several processes must share. Embedded: the SQLite file in
 * DATA_DIR and this process's memory. Cluster mode (DATABASE_URL and REDIS_URL): PostgreSQL for
 * records, Redis for live events, rate limits and circuit breakers.
 */
export interface Shared {
  mode: 'embedded' | 'cluster';
  store: GalaxyStore;
  /** Live events across processes (cluster mode); undefined: the queue's own in-process bus. */
  events: EventBus | undefined;
  /** Per-user and per-address limits for the whole cluster; undefined: the router's in-memory ones. */
  limits:
    | { rateLimit: RateLimiter; publicRateLimit: RateLimiter; authFailureLimit: AuthFailureLimiter }
    | undefined;
  /** Circuit breakers every process shares (cluster mode). */
  circuitSync: CircuitSync | undefined;
  /** Makes the run queue and, when this process executes runs, its worker. */
  runner(options: RunnerOptions): Runner;
  close(): Promise<void>;
}

export interface RunnerOptions {
  registry: NodeRegistry;
  context: RunContext;
  logger: Logger;
  onError: ErrorHook | undefined;
  metrics: WorkerMetrics | undefined;
  /** What calls cost (`ledgerSettingsOf`). */
  prices: PriceTable;
  /** Per-user limits on model calls; undefined for none. */
  budgets: BudgetOptions | undefined;
}

export interface Runner {
  /** What the API hands runs to; undefined in a worker-only process. */
  queue: RunQueue | undefined;
  /** Undefined in an API-only process. */
  worker:
    | {
        start(): Promise<void>;
        checkReady(): Promise<void>;
        stop(options: { deadlineMs: number }): Promise<void>;
      }
    | undefined;
  /** The bus the router streams from. */
  events: EventBus | undefined;
  close(deadlineMs: number): Promise<void>;
}

export async function openShared(
  config: AppConfig,
  dataDir: string,
  logger: Logger,
): Promise<Shared> {
  if (!isClusterMode(config)) {
    const store = await openWritableStore(dataDir);
    return {
      mode: 'embedded',
      store,
      events: undefined,
      limits: undefined,
      circuitSync: undefined,
      runner: (options) => {
        const queue = createInProcessQueue({
          store,
          registry: options.registry,
          context: options.context,
          logger: options.logger,
          concurrency: config.WORKER_CONCURRENCY,
          maxRunsPerUser: config.MAX_RUNS_PER_USER,
          leaseMs: config.RUN_LEASE_MS,
          maxInterruptions: config.RUN_MAX_INTERRUPTIONS,
          ...(options.onError ? { onError: options.onError } : {}),
          ...(options.metrics ? { metrics: options.metrics } : {}),
          prices: options.prices,
          ...(options.budgets ? { budgets: options.budgets } : {}),
        });
        return {
          queue,
          worker: {
            start: () => queue.start(),
            checkReady: async () => queue.checkReady?.(),
            stop: (o) => queue.stop(o),
          },
          events: undefined,
          close: (deadlineMs) => queue.stop({ deadlineMs }),
        };
      },
      close: () => store.close(),
    };
  }

  let redis: Awaited<ReturnType<typeof connectRedis>>;
  try {
    redis = await connectRedis({
      url: config.REDIS_URL,
      source: 'REDIS_URL',
      onError: (error) => logger.error({ err: error }, 'Redis connection trouble; reconnecting'),
    });
  } catch (error) {
    throw new ConfigError(`The app cannot start: ${(error as Error).message}`);
  }
  let store: GalaxyStore;
  try {
    store = await createPostgresStore({ connectionString: config.DATABASE_URL });
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(
      `The app cannot start: the PostgreSQL database at DATABASE_URL (${redactUrls(config.DATABASE_URL)}) cannot be used (${(error as Error).message}). Start it, or set DATABASE_URL to a database that runs.`,
    );
  }
  const quiet = (what: string) => (error: unknown) =>
    logger.warn({ err: error }, `${what}: Redis trouble`);
  const events = createRedisEventBus({ client: redis, onError: quiet('live events') });
  const limits = {
    rateLimit: createRedisRateLimiter({ client: redis, onError: quiet('rate limits') }),
    publicRateLimit: createRedisRateLimiter({
      client: redis,
      name: 'public',
      default: { limit: 60, windowMs: 60_000 },
      onError: quiet('rate limits'),
    }),
    authFailureLimit: createRedisAuthFailureLimiter({
      client: redis,
      onError: quiet('sign-in limits'),
    }),
  };
  const circuitSync = createRedisCircuitSync({ client: redis, onError: quiet('circuit breakers') });
  const runners: Runner[] = [];

  return {
    mode: 'cluster',
    store,
    events,
    limits,
    circuitSync,
    runner(options) {
      const api = config.ROLE !== 'worker';
      const work = config.ROLE !== 'api';
      const onConnectionError = quiet('the run queue');
      const queue = api ? createBullMQQueue({ client: redis, onConnectionError }) : undefined;
      const worker = work
        ? createBullMQWorker({
            client: redis,
            store,
            registry: options.registry,
            context: options.context,
            events,
            logger: options.logger,
            concurrency: config.WORKER_CONCURRENCY,
            maxRunsPerUser: config.MAX_RUNS_PER_USER,
            leaseMs: config.RUN_LEASE_MS,
            maxInterruptions: config.RUN_MAX_INTERRUPTIONS,
            onConnectionError,
            ...(options.onError ? { onError: options.onError } : {}),
            ...(options.metrics ? { metrics: options.metrics } : {}),
            prices: options.prices,
            ...(options.budgets ? { budgets: options.budgets } : {}),
          })
        : undefined;
      const runner: Runner = {
        queue,
        worker,
        events,
        async close(deadlineMs) {
          await worker?.close({ deadlineMs });
          await queue?.close();
        },
      };
      runners.push(runner);
      return runner;
    },
    async close() {
      await events.close();
      await Promise.all([
        limits.rateLimit.close(),
        limits.publicRateLimit.close(),
        limits.authFailureLimit.close(),
        circuitSync.close(),
      ]);
      await store.close();
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
