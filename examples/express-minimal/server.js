import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import {
  createGalaxyRouter,
  createInProcessQueue,
  tokenAuth,
} from '@galaxyflow/server-adapter';
import { createSqliteStore } from '@galaxyflow/server-adapter/sqlite';
import express from 'express';

const token = process.env.GALAXY_TOKEN;
if (!token) {
  console.error('Set GALAXY_TOKEN to at least 16 random characters, e.g. `openssl rand -hex 32`.');
  process.exit(1);
}
const databasePath = process.env.GALAXY_DB ?? 'data/galaxy.db';
mkdirSync(dirname(databasePath), { recursive: true });

const registry = createRegistry(builtinNodes);
const store = createSqliteStore({ path: databasePath });
const queue = createInProcessQueue({ store, registry });

const app = express();
// Before any body parser of your own: the API reads and checks its bodies itself.
app.use(
  '/api',
  createGalaxyRouter({ auth: tokenAuth({ tokens: { [token]: 'me' } }), store, queue, registry }),
);

await queue.start();
const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST, (error) => {
  if (error) throw error;
  const { port } = server.address();
  console.log(`Galaxy Flow API on http://${process.env.HOST ?? 'localhost'}:${port}/api`);
});

async function shutDown() {
  server.close();
  // Running nodes get 10 s to finish and be stored; unfinished runs resume on the next start.
  await queue.stop({ deadlineMs: 10_000 });
  await store.close();
  // Open event streams end here; their clients reconnect and resume where they were.
  server.closeAllConnections();
}
process.once('SIGTERM', shutDown);
process.once('SIGINT', shutDown);
