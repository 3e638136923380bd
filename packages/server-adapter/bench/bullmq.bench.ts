/**
 * Queue throughput: 1,000 queued two-node runs (Text → Debug) drained at concurrency 8 by
 *
 * - the in-process queue (one process, concurrency 8), and
 * - BullMQ: 2 worker processes (concurrency 4 each) taking jobs from Redis, the runs enqueued
 *   through `createBullMQQueue` as the API does,
 *
 * both on the same PostgreSQL (a fresh database per round) so the ratio is the queue's own
 * cost. Rounds alternate between the two so a change in the machine's load hits both alike.
 * Real PostgreSQL and redis-server are started in temp folders, as the tests do.
 *
 *   pnpm --filter @galaxyflow/server-adapter bench:bullmq
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { createBullMQQueue, createBullMQWorker } from '../src/bullmq/index';
import { createInProcessQueue } from '../src/inProcessQueue';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/index';
import type { CreateRunInput } from '../src/store/types';
import { startRedisServer, startTestPostgres } from '../src/testing/servers/index';

const RUNS = 1_000;
const ROUNDS = 3;
const USERS = 4;
const silent = pino({ level: 'silent' });
const registry = createRegistry(builtinNodes);
const input: CreateRunInput = {
  workflowId: null,
  workflowVersion: null,
  graph: {
    nodes: [
      { id: 't', type: 'text', data: { text: 'hello' } },
      { id: 'd', type: 'debug', data: {} },
    ],
    edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'd', targetHandle: 'value' }],
  },
  scope: 'FULL',
  targetNodeIds: null,
  reuseRunId: null,
};

/** A BullMQ worker process: `--worker <database> <redis> <prefix>`; says `ready`, stops on `stop`. */
async function workerProcess(databaseUrl: string, redisUrl: string, prefix: string): Promise<void> {
  const store = await createPostgresStore({ connectionString: databaseUrl, max: 6 });
  const worker = createBullMQWorker({
    connection: redisUrl,
    prefix,
    store,
    registry,
    concurrency: 4,
    idleUserSlots: 0,
    maxRunsPerUser: 8,
    logger: silent,
  });
  await worker.start();
  process.send?.('ready');
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    await worker.close({ deadlineMs: 0 });
    await store.close();
    process.exit(0);
  });
}

async function createRuns(store: PostgresStore): Promise<string[]> {
  const ids: string[] = [];
  for (let u = 0; u < USERS; u++) await store.ensureUser(`user-${u}`);
  for (let i = 0; i < RUNS; i++) {
    const created = await store.createRun(`user-${i % USERS}`, input);
    if (!created.ok) throw new Error('run not created');
    ids.push(created.run.id);
  }
  return ids;
}

async function waitAllEnded(store: PostgresStore): Promise<void> {
  for (;;) {
    const { rows } = await store.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM runs WHERE status IN ('QUEUED', 'RUNNING')",
    );
    if (Number(rows[0]?.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { rows } = await store.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM runs WHERE status = 'SUCCESS'",
  );
  if (Number(rows[0]?.n) !== RUNS) throw new Error(`only ${rows[0]?.n} of ${RUNS} runs succeeded`);
}

async function main(): Promise<void> {
  const [postgres, redis] = await Promise.all([startTestPostgres(), startRedisServer()]);
  const template = postgres.nameOf(await postgres.createDatabase());
  await (
    await createPostgresStore({ connectionString: await postgres.createDatabase(template) })
  ).close();
  const results = { inProcess: [] as number[], bullmq: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // In-process: the runs are QUEUED rows; the queue drains them.
      {
        const url = await postgres.createDatabase(template);
        const store = await createPostgresStore({ connectionString: url, max: 10 });
        await createRuns(store);
        const queue = createInProcessQueue({
          store,
          registry,
          concurrency: 8,
          idleUserSlots: 0,
          maxRunsPerUser: 8,
          logger: silent,
        });
        const started = performance.now();
        await queue.start();
        await waitAllEnded(store);
        results.inProcess.push(RUNS / ((performance.now() - started) / 1000));
        await queue.stop({ deadlineMs: 0 });
        await store.close();
      }
      // BullMQ: two worker processes; the API enqueues a job per run.
      {
        const url = await postgres.createDatabase(template);
        const store = await createPostgresStore({ connectionString: url, max: 4 });
        const prefix = `bench-${round}`;
        const workers: ChildProcess[] = [0, 1].map(() =>
          fork(fileURLToPath(import.meta.url), ['--worker', url, redis.url, prefix], {
            execArgv: process.execArgv,
          }),
        );
        await Promise.all(
          workers.map((child) => new Promise((resolve) => child.once('message', resolve))),
        );
        const ids = await createRuns(store);
        const api = createBullMQQueue({ connection: redis.url, prefix });
        const started = performance.now();
        await Promise.all(
          ids.map((runId, i) => api.enqueue(runId, { userId: `user-${i % USERS}` })),
        );
        await waitAllEnded(store);
        results.bullmq.push(RUNS / ((performance.now() - started) / 1000));
        await Promise.all(
          workers.map(
            (child) =>
              new Promise((resolve) => {
                child.once('exit', resolve);
                child.send('stop');
              }),
          ),
        );
        await api.close();
        await store.close();
      }
    }
  } finally {
    await Promise.all([postgres.destroy(), redis.close()]);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const inProcess = median(results.inProcess);
  const bullmq = median(results.bullmq);
  console.log(
    `\nQueue throughput: ${RUNS} two-node runs, concurrency 8, PostgreSQL store (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`,
  );
  console.log(
    `  in-process queue, 1 process        ${inProcess.toFixed(0)} runs/s  (rounds: ${results.inProcess.map((v) => v.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  BullMQ, 2 worker processes × 4     ${bullmq.toFixed(0)} runs/s  (rounds: ${results.bullmq.map((v) => v.toFixed(0)).join(', ')})`,
  );
  console.log(`  ratio BullMQ / in-process          ${(bullmq / inProcess).toFixed(2)}×`);
}

if (process.argv[2] === '--worker') {
  const [databaseUrl, redisUrl, prefix] = process.argv.slice(3);
  await workerProcess(databaseUrl!, redisUrl!, prefix!);
} else {
  await main();
}
