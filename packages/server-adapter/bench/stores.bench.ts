/**
 * `GET /runs?limit=20` with 100,000 runs, through the Galaxy router on the Postgres store and on
 * the SQLite store, at a fixed 500 req/s, alternating one-second slices so a change in the
 * machine's load hits both alike. A real PostgreSQL is started in a temp folder (as the tests
 * do); the servers run in a child process so the load generator does not share their event loop.
 *
 * Target: p99 <= 20 ms on Postgres.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import express from 'express';
import pg from 'pg';
import { pino } from 'pino';
import { startTestPostgres } from '../src/__tests__/support/postgres';
import { createGalaxyRouter, type GalaxyStore, tokenAuth } from '../src/index';
import { createPostgresStore } from '../src/postgres';
import { createSqliteStore } from '../src/sqlite';
import { idleQueue, percentile, TOKEN, USER } from './support';

const RUNS = 100_000;
const RATE = 500;
const SLICES = 4;
const TARGET_P99_MS = 20;

interface Ports {
  postgres: number;
  sqlite: number;
}

// ---------------------------------------------------------------------------------------
// Server side (child process)

async function listen(store: GalaxyStore): Promise<number> {
  const queue = idleQueue();
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: USER } }),
      store,
      queue,
      rateLimit: false,
      logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
    }),
  );
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

async function serve(sqlitePath: string, postgresUrl: string): Promise<void> {
  const ports: Ports = {
    postgres: await listen(await createPostgresStore({ connectionString: postgresUrl })),
    sqlite: await listen(createSqliteStore({ path: sqlitePath })),
  };
  process.send?.(ports);
}

// ---------------------------------------------------------------------------------------
// Load side (parent process)

const GRAPH = JSON.stringify({
  nodes: [{ id: 'a', type: 'text', data: { text: 'hi' } }],
  edges: [],
});
const COUNTS = JSON.stringify({ total: 1, success: 1, failed: 0, skipped: 0, canceled: 0 });
const STATUSES = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILED', 'PARTIAL', 'CANCELED'];

/** The same rows in both: the user's 100,000 runs and another user's 10,000 beside them. */
async function seedSqlite(path: string, start: number): Promise<void> {
  const store = createSqliteStore({ path });
  await store.ensureUser(USER);
  await store.ensureUser('other-user');
  await store.close();
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO runs (id, owner_id, graph, status, scope, counts, created_at, started_at, finished_at, duration_ms, attempts)
     VALUES (?, ?, ?, ?, 'FULL', ?, ?, ?, ?, 40, 1)`,
  );
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const at = start + i * 1000;
      insert.run(randomUUID(), USER, GRAPH, STATUSES[i % 6], COUNTS, at, at, at + 40);
      if (i % 10 === 0) {
        insert.run(randomUUID(), 'other-user', GRAPH, 'SUCCESS', COUNTS, at, at, at + 40);
      }
    }
  })();
  db.close();
}

async function seedPostgres(url: string, start: number): Promise<void> {
  const store = await createPostgresStore({ connectionString: url });
  await store.ensureUser(USER);
  await store.ensureUser('other-user');
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Status by row, as in SQLite: the six-status cycle.
    const cycle = `INSERT INTO runs (id, owner_id, graph, status, scope, counts, created_at, started_at, finished_at, duration_ms, attempts)
      SELECT gen_random_uuid()::text, $1, $2, ($3::text[])[1 + i % cardinality($3::text[])], 'FULL', $4,
        $5::bigint + i * 1000, $5::bigint + i * 1000, $5::bigint + i * 1000 + 40, 40, 1
      FROM generate_series(0, $6 - 1) AS i WHERE i % $7 = 0`;
    // Bulk rows skip the per-row counter trigger; the counters are then built in one pass, as
    // the trigger would have left them.
    await client.query('ALTER TABLE runs DISABLE TRIGGER runs_count');
    await client.query(cycle, [USER, GRAPH, STATUSES, COUNTS, start, RUNS, 1]);
    await client.query(cycle, ['other-user', GRAPH, ['SUCCESS'], COUNTS, start, RUNS, 10]);
    await client.query('ALTER TABLE runs ENABLE TRIGGER runs_count');
    await client.query(`INSERT INTO run_counts (owner_id, workflow_id, status, n)
      SELECT owner_id, COALESCE(workflow_id, ''), status, COUNT(*) FROM runs GROUP BY 1, 2, 3`);
    // Statistics for the planner and the bulk writes flushed, so neither lands mid-measurement.
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}`));
          else resolve(performance.now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A fixed arrival rate for one second, whatever the latency; latency counts from when each request was due. */
async function oneSecond(call: () => Promise<number>): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < RATE; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lateBy = Math.max(0, performance.now() - due);
    pending.push(call().then((ms) => void latencies.push(ms + lateBy)));
  }
  await Promise.all(pending);
  return latencies;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-stores-bench-'));
  const postgres = await startTestPostgres();
  try {
    const sqlitePath = join(dir, 'bench.db');
    const postgresUrl = await postgres.createDatabase();
    const start = Date.now() - RUNS * 1000;
    const seeding = performance.now();
    // One after the other: the SQLite seed holds the event loop the Postgres one needs.
    await seedSqlite(sqlitePath, start);
    await seedPostgres(postgresUrl, start);
    console.log(
      `seeded ${RUNS.toLocaleString('en')} runs (+10 % of another user's) in each store in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );

    const child = fork(fileURLToPath(import.meta.url), ['--serve', sqlitePath, postgresUrl], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    const ports = await new Promise<Ports>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Ports));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    try {
      const path = '/api/runs?limit=20';
      const calls = {
        postgres: () => get(ports.postgres, path),
        sqlite: () => get(ports.sqlite, path),
      };
      // Warm up both (JIT, page cache) at the measured rate, so the Postgres pool has opened the
      // connections the load needs and each has prepared its statements.
      for (let i = 0; i < 300; i++) {
        await calls.postgres();
        await calls.sqlite();
      }
      await oneSecond(calls.postgres);
      await oneSecond(calls.sqlite);
      const latencies = { postgres: [] as number[], sqlite: [] as number[] };
      for (let slice = 0; slice < SLICES; slice++) {
        latencies.postgres.push(...(await oneSecond(calls.postgres)));
        latencies.sqlite.push(...(await oneSecond(calls.sqlite)));
      }
      console.log(
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} on ${cpus().length} cores`,
      );
      console.log(`\nGET ${path}, ${RATE} req/s, ${SLICES} s each, alternating 1 s slices`);
      const stats = Object.fromEntries(
        Object.entries(latencies).map(([name, values]) => {
          const sorted = [...values].sort((a, b) => a - b);
          return [name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
        }),
      ) as Record<'postgres' | 'sqlite', { p50: number; p99: number }>;
      for (const name of ['postgres', 'sqlite'] as const) {
        const { p50, p99 } = stats[name];
        console.log(
          `  ${name.padEnd(8)}  p50 ${p50.toFixed(2).padStart(6)} ms  p99 ${p99.toFixed(2).padStart(6)} ms`,
        );
      }
      console.log(
        `  ratio     p50 ${(stats.postgres.p50 / stats.sqlite.p50).toFixed(2)}x  p99 ${(stats.postgres.p99 / stats.sqlite.p99).toFixed(2)}x (Postgres / SQLite)`,
      );
      const ok = stats.postgres.p99 <= TARGET_P99_MS;
      console.log(
        `  Postgres p99 ${stats.postgres.p99.toFixed(1)} ms (target <= ${TARGET_P99_MS} ms): ${ok ? 'ok' : 'MISSED'}`,
      );
      if (!ok) process.exitCode = 1;
    } finally {
      child.kill();
      agent.destroy();
    }
  } finally {
    await postgres.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3]!, process.argv[4]!);
} else {
  await main();
}
