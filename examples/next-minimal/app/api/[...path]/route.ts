import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import {
  createGalaxyFetchHandler,
  createInProcessQueue,
  type GalaxyFetchHandler,
  tokenAuth,
} from '@galaxyflow/server-adapter';
import { createSqliteStore } from '@galaxyflow/server-adapter/sqlite';

export const runtime = 'nodejs'; // better-sqlite3 needs Node.js
export const dynamic = 'force-dynamic'; // every answer depends on the caller

// Built on the first request, once per process: dev reloads reuse the database and the queue.
const cache = globalThis as typeof globalThis & { galaxy?: Promise<GalaxyFetchHandler> };

async function openGalaxy(): Promise<GalaxyFetchHandler> {
  const token = process.env.GALAXY_TOKEN;
  if (!token)
    throw new Error('Set GALAXY_TOKEN to at least 16 random characters (openssl rand -hex 32).');
  const path = process.env.GALAXY_DB ?? 'data/galaxy.db';
  mkdirSync(dirname(path), { recursive: true });

  const registry = createRegistry(builtinNodes);
  const store = createSqliteStore({ path });
  const queue = createInProcessQueue({ store, registry });
  await queue.start();
  return createGalaxyFetchHandler({
    auth: tokenAuth({ tokens: { [token]: 'me' } }),
    store,
    queue,
    registry,
    basePath: '/api',
  });
}

async function handle(request: Request): Promise<Response> {
  cache.galaxy ??= openGalaxy().catch((error: unknown) => {
    cache.galaxy = undefined; // the next request tries again, e.g. once the variable is set
    throw error;
  });
  return (await cache.galaxy)(request);
}

export { handle as DELETE, handle as GET, handle as POST, handle as PUT };
