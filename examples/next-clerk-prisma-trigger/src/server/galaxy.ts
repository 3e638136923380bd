import { builtinNodes, createRegistry, llmContext } from '@galaxyflow/engine';
import { createImageFetcher } from '@galaxyflow/engine/node';
import {
  createGalaxyFetchHandler,
  createInProcessQueue,
  type GalaxyFetchHandler,
  type GalaxyStore,
  type RunQueue,
} from '@galaxyflow/server-adapter';
import { type Logger, pino } from 'pino';
import { clerkAuth } from '../auth/clerkAuth';
import { testAuth } from '../auth/testAuth';
import { testAuthEnabled } from '../auth/testAuthMode';
import { createTriggerQueue, type TriggerDevClient } from '../queue/triggerQueue';
import { triggerSdkClient } from '../queue/triggerSdkClient';
import { addressOptions } from './address';
import { type AppEnv, readAppEnv } from './env';
import { sentryErrorHook } from './errorReporting';
import { openSharedRedis, type SharedRedis } from './redis';
import { openStore } from './store';
import { nodeProviders } from './worker';

type RawEnv = Readonly<Record<string, string | undefined>>;

// Kept on globalThis so dev-server reloads reuse one database pool instead of leaking one per edit.
const cache = globalThis as typeof globalThis & {
  galaxyHandler?: Promise<GalaxyFetchHandler> | undefined;
};

/** The API of one app instance and what lets go of its connections. */
export interface GalaxyHost {
  handler: GalaxyFetchHandler;
  /** Stops the embedded queue (if any) and closes Redis and the database. */
  close(): Promise<void>;
}

export interface GalaxyHostOptions {
  /** Trigger.dev's API, for `GALAXY_QUEUE=trigger`. Default `triggerSdkClient()`. */
  triggerClient?: TriggerDevClient;
  /** Default `pino({ name: 'galaxy' })`. */
  logger?: Logger;
}

interface Queue {
  queue: RunQueue;
  stop(): Promise<void>;
}

async function openQueue(
  env: AppEnv,
  rawEnv: RawEnv,
  store: GalaxyStore,
  redis: SharedRedis | undefined,
  logger: Logger,
  triggerClient: TriggerDevClient | undefined,
): Promise<Queue> {
  if (env.GALAXY_QUEUE === 'trigger') {
    const client = triggerClient ?? triggerSdkClient();
    return { queue: createTriggerQueue({ store, client, logger }), stop: async () => undefined };
  }
  const providers = nodeProviders(rawEnv, redis?.circuitSync);
  const queue = createInProcessQueue({
    store,
    registry: createRegistry(builtinNodes),
    context: llmContext({ providers, fetchImage: createImageFetcher() }),
    maxRunsPerUser: env.GALAXY_MAX_RUNNING_PER_USER,
    logger,
    // Streams on the other instances hear this one's runs through Redis.
    ...(redis ? { events: redis.events } : {}),
  });
  await queue.start();
  return {
    queue,
    async stop() {
      await queue.stop({ deadlineMs: 5_000 });
      providers.close();
    },
  };
}

/**
 * Builds the Galaxy API from `env`: Clerk decides who calls, Prisma keeps the data, Trigger.dev
 * (or this process, `GALAXY_QUEUE=embedded`) runs the workflows. With `REDIS_URL`, the
 * instances share live run events, request limits and the providers' circuit breakers, so a
 * stream on any instance hears a run executed anywhere and 100 requests a minute per user is
 * 100 across all of them.
 */
export async function buildGalaxyHandler(
  rawEnv: RawEnv = process.env,
  options: GalaxyHostOptions = {},
): Promise<GalaxyHost> {
  const env = readAppEnv(rawEnv);
  const logger = options.logger ?? pino({ name: 'galaxy' });
  for (const warning of env.warnings) logger.warn(warning);
  const redis = env.REDIS_URL
    ? await openSharedRedis(env.REDIS_URL, (what, error) =>
        logger.warn({ err: error }, `${what}: Redis trouble`),
      )
    : undefined;
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    const onError = await sentryErrorHook(env);
    store = await openStore(env.DATABASE_URL);
    const queue = await openQueue(env, rawEnv, store.galaxy, redis, logger, options.triggerClient);
    const handler = createGalaxyFetchHandler({
      auth: testAuthEnabled(env) ? testAuth() : clerkAuth({ profiles: store.profiles }),
      store: store.galaxy,
      queue: queue.queue,
      registry: createRegistry(builtinNodes),
      ...addressOptions(env),
      ...(redis ? { events: redis.events, ...redis.requestLimits() } : {}),
      ...(onError ? { onError } : {}),
      logger,
    });
    const galaxy = store.galaxy;
    return {
      handler,
      async close() {
        await queue.stop();
        await redis?.close();
        await galaxy.close();
      },
    };
  } catch (error) {
    await redis?.close();
    await store?.galaxy.close();
    throw error;
  }
}

/** The API for `src/app/api/[...galaxy]/route.ts`, built from the environment on the first request. */
export function galaxyHandler(): Promise<GalaxyFetchHandler> {
  cache.galaxyHandler ??= buildGalaxyHandler()
    .then((host) => host.handler)
    .catch((error: unknown) => {
      // Let the next request try again (e.g. after the database came up) rather than caching the failure.
      cache.galaxyHandler = undefined;
      throw error;
    });
  return cache.galaxyHandler;
}
