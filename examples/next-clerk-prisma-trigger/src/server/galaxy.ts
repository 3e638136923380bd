import { createGalaxyFetchHandler, type GalaxyFetchHandler } from '@galaxyflow/server-adapter';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { clerkAuth } from '../auth/clerkAuth';
import { createTriggerQueue } from '../queue/triggerQueue';
import { triggerSdkClient } from '../queue/triggerSdkClient';
import { addressOptions } from './address';
import { readServerEnv } from './env';
import { openStore } from './store';

// Kept on globalThis so dev-server reloads reuse one database pool instead of leaking one per edit.
const cache = globalThis as typeof globalThis & {
  galaxyHandler?: Promise<GalaxyFetchHandler> | undefined;
};

/**
 * The Galaxy API for `src/app/api/[...galaxy]/route.ts`: Clerk decides who calls, Prisma keeps
 * the data, Trigger.dev runs the workflows. Built on the first request, from the environment.
 */
export function galaxyHandler(): Promise<GalaxyFetchHandler> {
  cache.galaxyHandler ??= (async () => {
    const env = readServerEnv();
    const logger = pino({ name: 'galaxy' });
    const store = await openStore(env.DATABASE_URL);
    return createGalaxyFetchHandler({
      auth: clerkAuth(),
      store,
      queue: createTriggerQueue({ store, client: triggerSdkClient(), logger }),
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
