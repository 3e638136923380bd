import { builtinNodes, createRegistry } from '@galaxyflow/engine';
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
import { createTriggerQueue } from '../queue/triggerQueue';
import { triggerSdkClient } from '../queue/triggerSdkClient';
import { addressOptions } from './address';
import { type AppEnv, readAppEnv } from './env';
import { openStore } from './store';
import { nodeContext } from './worker';

// Kept on globalThis so dev-server reloads reuse one database pool instead of leaking one per edit.
const cache = globalThis as typeof globalThis & {
  galaxyHandler?: Promise<GalaxyFetchHandler> | undefined;
};

async function openQueue(env: AppEnv, store: GalaxyStore, logger: Logger): Promise<RunQueue> {
  if (env.GALAXY_QUEUE === 'trigger') {
    return createTriggerQueue({ store, client: triggerSdkClient(), logger });
  }
  const queue = createInProcessQueue({
    store,
    registry: createRegistry(builtinNodes),
    context: nodeContext(),
    maxRunsPerUser: env.GALAXY_MAX_RUNNING_PER_USER,
    logger,
  });
  await queue.start();
  return queue;
}

/**
 * The Galaxy API for `src/app/api/[...galaxy]/route.ts`: Clerk decides who calls, Prisma keeps
 * the data, Trigger.dev (or this process, `GALAXY_QUEUE=embedded`) runs the workflows. Built on
 * the first request, from the environment.
 */
export function galaxyHandler(): Promise<GalaxyFetchHandler> {
  cache.galaxyHandler ??= (async () => {
    const env = readAppEnv();
    const logger = pino({ name: 'galaxy' });
    for (const warning of env.warnings) logger.warn(warning);
    const store = await openStore(env.DATABASE_URL);
    return createGalaxyFetchHandler({
      auth: testAuthEnabled(env) ? testAuth() : clerkAuth({ profiles: store.profiles }),
      store: store.galaxy,
      queue: await openQueue(env, store.galaxy, logger),
      registry: createRegistry(builtinNodes),
      ...addressOptions(env),
      logger,
    });
  })().catch((error: unknown) => {
    // Let the next request try again (e.g. after the database came up) rather than caching the failure.
    cache.galaxyHandler = undefined;
    throw error;
  });
  return cache.galaxyHandler;
}
