import { join } from 'node:path';
import { executeRun } from '@galaxyflow/server-adapter';
import { runQueueContract } from '@galaxyflow/server-adapter/testing';
import { afterAll } from 'vitest';
import { connectSqlite } from '../db/sqlite';
import { runGalaxyRunTask } from '../queue/galaxyRunTask';
import { createTriggerQueue } from '../queue/triggerQueue';
import { createPrismaStore } from '../store/prismaStore';
import { migratedSqliteFile, scratchDir } from './databases';
import { fakeTriggerDev } from './fakeTriggerDev';

const scratch = scratchDir('galaxy-trigger-contract-');
afterAll(scratch.remove);
let files = 0;

runQueueContract({
  name: 'Trigger.dev queue on Prisma (SQLite)',
  async create({ registry }) {
    const prisma = await connectSqlite({
      path: migratedSqliteFile(join(scratch.dir, `contract-${++files}.db`)),
    });
    const store = createPrismaStore({ prisma, dialect: 'sqlite' });
    const triggerDev = fakeTriggerDev();
    // One attempt per Trigger.dev job, as its worker runs it: the task body with the real executeRun.
    const attempts = new Map<string, Promise<unknown>>();
    return {
      queue: createTriggerQueue({ store, client: triggerDev.client }),
      store,
      async work() {
        for (const job of triggerDev.jobs) {
          if (attempts.has(job.id)) continue;
          const attempt = { triggerRunId: job.id, attempt: 1, signal: job.controller.signal };
          attempts.set(
            job.id,
            runGalaxyRunTask(job.payload, attempt, executeRun, { store, registry }),
          );
        }
        await Promise.all(attempts.values());
      },
      async close() {
        for (const job of triggerDev.jobs) job.controller.abort();
        await Promise.allSettled(attempts.values());
        await store.close();
      },
    };
  },
});
