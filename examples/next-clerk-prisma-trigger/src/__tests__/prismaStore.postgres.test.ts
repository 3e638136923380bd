import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { runStoreContract } from '@galaxyflow/server-adapter/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { connectPostgres } from '../db/postgres';
import { createPrismaStore, type GalaxyPrismaClient } from '../store/prismaStore';
import { migrationSql } from './databases';
import { runHostDataSuite } from './hostData';

// Postgres itself (compiled to WebAssembly) behind a loopback socket, so the production schema,
// its migration SQL and the store run against the real SQL dialect through @prisma/adapter-pg.
let pglite: PGlite;
let server: PGLiteSocketServer;
let connectionString: string;

beforeAll(async () => {
  pglite = await PGlite.create();
  for (const sql of migrationSql('postgres')) await pglite.exec(sql);
  server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
  await server.start();
  connectionString = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  // Booting Postgres in WebAssembly takes seconds, more when other test files share the cores.
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await pglite?.close();
});

/** A fresh database: the server serves one connection at a time, so wait for the last one to go. */
async function freshClient(): Promise<GalaxyPrismaClient> {
  while (server.getStats().activeConnections > 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await pglite.exec(
    'TRUNCATE users, workflows, workflow_versions, runs, node_results, execution_logs, run_events, idempotency_keys RESTART IDENTITY CASCADE',
  );
  // PGlite is one session: one pooled connection keeps each transaction to itself.
  return connectPostgres({ connectionString, maxConnections: 1 });
}

describe('Prisma store on Postgres', () => {
  runStoreContract({
    test: it,
    makeStore: async ({ now }) => {
      return createPrismaStore({ prisma: await freshClient(), dialect: 'postgresql', now });
    },
  });
});

describe('Prisma store on Postgres, the host’s own data', () => {
  runHostDataSuite(it, async () => {
    const prisma = await freshClient();
    const store = createPrismaStore({ prisma, dialect: 'postgresql' });
    return { prisma, store, close: () => store.close() };
  });
});
