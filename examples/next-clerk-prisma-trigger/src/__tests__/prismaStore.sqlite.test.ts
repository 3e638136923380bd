import { join } from 'node:path';
import { runStoreContract } from '@galaxyflow/server-adapter/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { connectSqlite } from '../db/sqlite';
import { createPrismaStore } from '../store/prismaStore';
import { migratedSqliteFile, scratchDir } from './databases';
import { runHostDataSuite } from './hostData';

const scratch = scratchDir('galaxy-prisma-sqlite-');
afterAll(scratch.remove);
let files = 0;

async function openStore(now?: () => number) {
  const path = migratedSqliteFile(join(scratch.dir, `store-${++files}.db`));
  const prisma = await connectSqlite({ path });
  return {
    path,
    prisma,
    store: createPrismaStore({ prisma, dialect: 'sqlite', ...(now ? { now } : {}) }),
  };
}

describe('Prisma store on SQLite', () => {
  runStoreContract({ test: it, makeStore: async ({ now }) => (await openStore(now)).store });
});

describe('Prisma store on SQLite, beyond the contract', () => {
  it('opens the file in WAL mode with foreign keys enforced', async () => {
    const { prisma, store } = await openStore();
    try {
      const [mode] =
        await prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
      expect(mode?.journal_mode).toBe('wal');
      await expect(
        store.createRun('nobody', {
          workflowId: null,
          workflowVersion: null,
          graph: { nodes: [], edges: [] },
          scope: 'FULL',
          targetNodeIds: null,
          reuseRunId: null,
        }),
      ).rejects.toThrow(/Foreign key constraint/i);
    } finally {
      await store.close();
    }
  });

  it('hands each of many concurrently claimed runs to exactly one worker', async () => {
    const { store } = await openStore();
    try {
      await store.ensureUser('u');
      const runIds = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const created = await store.createRun('u', {
          workflowId: null,
          workflowVersion: null,
          graph: { nodes: [], edges: [] },
          scope: 'FULL',
          targetNodeIds: null,
          reuseRunId: null,
        });
        if (created.ok) runIds.add(created.run.id);
      }
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.claimRun({ workerId: `w${i}`, leaseMs: 60_000 }),
        ),
      );
      const claimed = claims.flatMap((claim) => (claim ? [claim.run.id] : []));
      expect(claimed).toHaveLength(8);
      expect(new Set(claimed)).toEqual(runIds);
      // Writes outside a claim's transaction are not swallowed by one running beside them.
      await Promise.all([
        ...claimed.map((id, i) => store.setRunExternalId(id, `job-${i}`)),
        store.claimRun({ workerId: 'late', leaseMs: 60_000 }),
      ]);
      const runs = await store.listRuns('u', { page: 1, limit: 20 });
      expect(
        runs.items.every((run) => run.status === 'RUNNING' && run.externalId?.startsWith('job-')),
      ).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('Prisma store on SQLite, the host’s own data', () => {
  runHostDataSuite(it, async () => {
    const { prisma, store } = await openStore();
    return { prisma, store, close: () => store.close() };
  });
});
