import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BullMQWorker, createBullMQQueue, createBullMQWorker } from '../bullmq/index';
import { createPostgresStore, type PostgresStore } from '../store/postgres/index';
import { runQueueContract } from '../testing/queueContract';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';
import { startTestPostgres, type TestPostgres } from './support/postgres';
import { type RedisServer, startRedisServer } from './support/redis';

let postgres: TestPostgres;
let redis: RedisServer;
/** A database at the latest schema, copied for each test so none starts with another's rows. */
let template: string;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startTestPostgres(), startRedisServer()]);
  const url = await postgres.createDatabase();
  await (await createPostgresStore({ connectionString: url })).close();
  template = postgres.nameOf(url);
}, 90_000);
afterAll(async () => {
  await Promise.all([postgres?.destroy(), redis?.close()]);
});

let prefixes = 0;
const silent = pino({ level: 'silent' });

async function freshStore(): Promise<PostgresStore> {
  return createPostgresStore({
    connectionString: await postgres.createDatabase(template),
    max: 4,
  });
}

runQueueContract({
  name: 'BullMQ on Postgres and Redis',
  async create({ registry }) {
    const store = await freshStore();
    const prefix = `contract-${++prefixes}`;
    const api = createBullMQQueue({ connection: redis.url, prefix });
    // The suite asks for a heartbeat over 5 s: only the cancel message can stop a run in time.
    const worker = createBullMQWorker({
      connection: redis.url,
      prefix,
      store,
      registry,
      heartbeatMs: 10_000,
      pollMs: 50,
      logger: silent,
    });
    return {
      queue: {
        events: worker.events,
        enqueue: api.enqueue,
        cancel: api.cancel,
        start: worker.start,
        stop: worker.stop,
      },
      store,
      async work() {
        await worker.start();
        await worker.idle();
      },
      async close() {
        await worker.close();
        await api.close();
        await store.close();
      },
    };
  },
});

describe('BullMQ across workers', () => {
  it('wakes a worker in another process at once, and a cancel sent by the API stops the run where it runs, within 1 s', async () => {
    const prefix = `cross-${++prefixes}`;
    const url = await postgres.createDatabase(template);
    // Three processes' worth of connections: the API's and each worker's.
    const apiStore = await createPostgresStore({ connectionString: url, max: 4 });
    const lines: string[] = [];
    const workerStores = await Promise.all(
      [0, 1].map(() => createPostgresStore({ connectionString: url, max: 4 })),
    );
    // Slow polls and a 10 s heartbeat: only the job wakes a worker, only the message cancels.
    const workers: BullMQWorker[] = workerStores.map((store, i) =>
      createBullMQWorker({
        connection: redis.url,
        prefix,
        store,
        registry: scriptedRegistry,
        context: { journal: (line: string) => lines.push(`w${i} ${line}`) },
        workerId: `worker-${i}`,
        heartbeatMs: 10_000,
        pollMs: 60_000,
        logger: silent,
      }),
    );
    const api = createBullMQQueue({ connection: redis.url, prefix });
    try {
      await Promise.all(workers.map((worker) => worker.start()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await apiStore.ensureUser('user-a');
      const created = await apiStore.createRun('user-a', {
        workflowId: null,
        workflowVersion: null,
        graph: stepGraph([
          { id: 'a', ms: 5_000 },
          { id: 'b', after: 'a' },
        ]),
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      if (!created.ok) throw new Error('the run was not created');
      const runId = created.run.id;
      const queuedAt = Date.now();
      const job = await api.enqueue(runId, { userId: 'user-a' });
      expect(job?.externalId).toBeTruthy();
      await waitFor(
        () => lines.some((line) => line.endsWith('start a 1')),
        'node a to start',
        3_000,
      );
      // Woken by the job, not by a poll a minute away.
      expect(Date.now() - queuedAt).toBeLessThan(2_000);

      await apiStore.requestCancel('user-a', runId);
      const canceledAt = Date.now();
      await api.cancel(runId);
      const ended = await waitFor(
        async () => {
          const run = await apiStore.getRunById(runId);
          return run?.status === 'CANCELED' ? run : undefined;
        },
        'the run to end CANCELED',
        3_000,
      );
      expect(Date.now() - canceledAt).toBeLessThan(1_000);
      expect(ended.status).toBe('CANCELED');
      expect(lines.filter((line) => line.includes('start b'))).toEqual([]);
    } finally {
      await Promise.all(workers.map((worker) => worker.close({ deadlineMs: 0 })));
      await api.close();
      await Promise.all([apiStore.close(), ...workerStores.map((store) => store.close())]);
    }
  }, 30_000);
});

describe('BullMQ when Redis goes away', () => {
  it('refuses to enqueue at once with E_REDIS_UNAVAILABLE, and enqueues again once Redis is back', async () => {
    const own = await startRedisServer();
    const api = createBullMQQueue({
      connection: own.url,
      prefix: 'outage',
      onConnectionError: () => {},
    });
    try {
      await api.start();
      await api.checkReady?.();
      await own.stop();
      const refusedAt = Date.now();
      await expect(api.enqueue('run-1', { userId: 'user-a' })).rejects.toMatchObject({
        code: 'E_REDIS_UNAVAILABLE',
      });
      await expect(api.checkReady?.()).rejects.toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
      // Fails fast: the API answers 503 instead of holding the request until Redis returns.
      expect(Date.now() - refusedAt).toBeLessThan(2_500);
      await own.start();
      const job = await waitFor(
        () => api.enqueue('run-2', { userId: 'user-a' }).catch(() => undefined),
        'an enqueue once Redis is back',
        10_000,
      );
      expect(job?.externalId).toBeTruthy();
      expect(await api.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await api.close();
      await own.close();
    }
  }, 30_000);
});
