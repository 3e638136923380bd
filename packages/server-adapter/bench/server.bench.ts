/**
 * HTTP benchmark on loopback: `GET /runs?limit=20` with 100,000 runs in the database and
 * `POST /workflows`, each through the Galaxy router and through a bare Express handler doing
 * the same SQL on the same file, measured in the same run. The server runs in a child process
 * so the load generator does not share its event loop. Every loop is bounded.
 *
 * Targets: list p99 <= 20 ms at 500 req/s; API latency <= 2x bare Express at the same load.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import express from 'express';
import { pino } from 'pino';
import { createGalaxyRouter, tokenAuth } from '../src/index';
import { createSqliteStore } from '../src/sqlite';
import { idleQueue, percentile, TOKEN, USER } from './support';

const RUNS = 100_000;
const RATE = 500;
const RATE_SECONDS = 4;
const THROUGHPUT_REQUESTS = 4_000;
const CONCURRENCY = 8;

interface Ports {
  api: number;
  bare: number;
}

// ---------------------------------------------------------------------------------------
// Server side (child process)

async function serve(dbPath: string): Promise<void> {
  const store = createSqliteStore({ path: dbPath });
  const queue = idleQueue();
  const api = express();
  api.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: USER } }),
      store,
      queue,
      // The bench measures the pipeline, not the limiter's refusals.
      rateLimit: false,
      // Real JSON log lines, written to nowhere: their cost is part of the overhead.
      logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
    }),
  );

  // The same work with nothing around it: same SQL, same file, express.json(), no auth,
  // no validation beyond a type check, no logging.
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const count = db.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE owner_id = ?');
  const list = db.prepare(
    `SELECT id, owner_id, workflow_id, workflow_version, status, scope, target_node_ids, reuse_run_id,
       counts, error, external_id, attempts, cancel_requested_at, created_at, started_at, finished_at,
       duration_ms
     FROM runs WHERE owner_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
  );
  const insertWorkflow = db.prepare(
    `INSERT INTO workflows (id, owner_id, name, description, tags, graph, node_count, version, created_at, updated_at)
     VALUES (?, ?, ?, '', '[]', ?, ?, 1, ?, ?)`,
  );
  const insertVersion = db.prepare(
    `INSERT INTO workflow_versions (workflow_id, version, name, description, tags, graph, node_count, edge_count, created_at)
     VALUES (?, 1, ?, '', '[]', ?, ?, ?, ?)`,
  );
  const bare = express();
  bare.get('/runs', (req, res) => {
    const limit = Number(req.query.limit ?? 20);
    const { n } = count.get(USER) as { n: number };
    const rows = list.all(USER, limit, 0) as Record<string, unknown>[];
    res.json({
      items: rows.map((row) => ({
        ...row,
        counts: JSON.parse(row.counts as string),
        createdAt: new Date(row.created_at as number).toISOString(),
      })),
      page: 1,
      limit,
      total: n,
    });
  });
  bare.post('/workflows', express.json({ limit: '1mb' }), (req, res) => {
    const body = req.body as { name?: unknown; nodes?: unknown[]; edges?: unknown[] };
    if (typeof body?.name !== 'string') {
      res.status(400).end();
      return;
    }
    const id = randomUUID();
    const now = Date.now();
    const graph = JSON.stringify({
      nodes: body.nodes ?? [],
      edges: body.edges ?? [],
    });
    db.transaction(() => {
      insertWorkflow.run(id, USER, body.name, graph, body.nodes?.length ?? 0, now, now);
      insertVersion.run(
        id,
        body.name,
        graph,
        body.nodes?.length ?? 0,
        body.edges?.length ?? 0,
        now,
      );
    }).immediate();
    res.status(201).json({ id, name: body.name, version: 1 });
  });

  const listen = (app: express.Express) =>
    new Promise<number>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () =>
        resolve((server.address() as AddressInfo).port),
      );
    });
  const ports: Ports = { api: await listen(api), bare: await listen(bare) };
  process.send?.(ports);
}

// ---------------------------------------------------------------------------------------
// Load side (parent process)

async function seed(dbPath: string): Promise<void> {
  const store = createSqliteStore({ path: dbPath });
  await store.ensureUser(USER);
  await store.ensureUser('other-user');
  await store.close();
  const db = new Database(dbPath);
  const insert = db.prepare(
    `INSERT INTO runs (id, owner_id, graph, status, scope, counts, created_at, started_at, finished_at, duration_ms, attempts)
     VALUES (?, ?, ?, ?, 'FULL', ?, ?, ?, ?, ?, 1)`,
  );
  const graph = JSON.stringify({
    nodes: [{ id: 'a', type: 'text', data: { text: 'hi' } }],
    edges: [],
  });
  const counts = JSON.stringify({ total: 1, success: 1, failed: 0, skipped: 0, canceled: 0 });
  const statuses = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILED', 'PARTIAL', 'CANCELED'];
  const start = Date.now() - RUNS * 1000;
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const at = start + i * 1000;
      insert.run(
        randomUUID(),
        USER,
        graph,
        statuses[i % statuses.length],
        counts,
        at,
        at,
        at + 40,
        40,
      );
      // Another user's rows share the table and the indexes, as in a real deployment.
      if (i % 10 === 0)
        insert.run(randomUUID(), 'other-user', graph, 'SUCCESS', counts, at, at, at + 40, 40);
    }
  })();
  db.close();
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200 && res.statusCode !== 201) {
            reject(new Error(`${method} ${path} answered ${res.statusCode}`));
          } else {
            resolve(performance.now() - started);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Stats {
  rps: number;
  p50: number;
  p99: number;
}

function summarize(latencies: number[], seconds: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** As fast as `CONCURRENCY` connections allow, for a fixed number of requests. */
async function closedLoop(call: () => Promise<number>): Promise<Stats> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < THROUGHPUT_REQUESTS) {
        issued += 1;
        latencies.push(await call());
      }
    }),
  );
  return summarize(latencies, (performance.now() - started) / 1000);
}

/** A fixed arrival rate, whatever the latency (open loop), for a fixed number of requests. */
async function openLoop(call: () => Promise<number>, seconds: number): Promise<number[]> {
  const total = RATE * seconds;
  const interval = 1000 / RATE;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // Latency counts from when the request was due, so a stalled server cannot hide its queue.
    const lateBy = Math.max(0, performance.now() - due);
    pending.push(call().then((ms) => void latencies.push(ms + lateBy)));
  }
  await Promise.all(pending);
  return latencies;
}

/**
 * The two sides alternate in one-second slices, so a change in the machine's load (other
 * processes on shared cores) hits both alike instead of skewing the ratio.
 */
async function interleavedOpenLoop(
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[Stats, Stats]> {
  const latA: number[] = [];
  const latB: number[] = [];
  for (let round = 0; round < RATE_SECONDS; round++) {
    latA.push(...(await openLoop(a, 1)));
    latB.push(...(await openLoop(b, 1)));
  }
  return [summarize(latA, RATE_SECONDS), summarize(latB, RATE_SECONDS)];
}

const fmt = (s: Stats) =>
  `${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(2).padStart(6)} ms  p99 ${s.p99.toFixed(2).padStart(6)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-bench-'));
  const dbPath = join(dir, 'bench.db');
  try {
    const seedStart = performance.now();
    await seed(dbPath);
    console.log(
      `seeded ${RUNS.toLocaleString('en')} runs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    const child = fork(fileURLToPath(import.meta.url), ['--serve', dbPath], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    const ports = await new Promise<Ports>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Ports));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    try {
      const workflowBody = JSON.stringify({
        name: 'Bench workflow',
        nodes: [
          { id: 'a', type: 'text', data: { text: 'hello' }, position: { x: 0, y: 0 } },
          { id: 'b', type: 'debug', data: {}, position: { x: 200, y: 0 } },
        ],
        edges: [
          { id: 'e1', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' },
        ],
      });
      const cases = [
        {
          name: 'GET /runs?limit=20',
          api: () => send(ports.api, 'GET', '/api/runs?limit=20'),
          bare: () => send(ports.bare, 'GET', '/runs?limit=20'),
        },
        {
          name: 'POST /workflows',
          api: () => send(ports.api, 'POST', '/api/workflows', workflowBody),
          bare: () => send(ports.bare, 'POST', '/workflows', workflowBody),
        },
      ];
      const failures: string[] = [];
      for (const c of cases) {
        // Warm up both paths (JIT, statement cache, page cache).
        for (let i = 0; i < 300; i++) {
          await c.api();
          await c.bare();
        }
        const apiMax = await closedLoop(c.api);
        const bareMax = await closedLoop(c.bare);
        const [apiRate, bareRate] = await interleavedOpenLoop(c.api, c.bare);
        console.log(`\n${c.name}`);
        console.log(
          `  max throughput (${CONCURRENCY} connections, ${THROUGHPUT_REQUESTS} requests)`,
        );
        console.log(`    galaxy router  ${fmt(apiMax)}`);
        console.log(`    bare express   ${fmt(bareMax)}`);
        console.log(
          `    ratio          throughput ${(bareMax.rps / apiMax.rps).toFixed(2)}x  p50 ${(apiMax.p50 / bareMax.p50).toFixed(2)}x`,
        );
        console.log(`  fixed ${RATE} req/s, ${RATE_SECONDS} s each, alternating 1 s slices`);
        console.log(`    galaxy router  ${fmt(apiRate)}`);
        console.log(`    bare express   ${fmt(bareRate)}`);
        const p50Ratio = apiRate.p50 / bareRate.p50;
        const p99Ratio = apiRate.p99 / bareRate.p99;
        console.log(`    ratio          p50 ${p50Ratio.toFixed(2)}x  p99 ${p99Ratio.toFixed(2)}x`);
        if (c.name.startsWith('GET') && apiRate.p99 > 20)
          failures.push(`${c.name} p99 ${apiRate.p99.toFixed(1)} ms > 20 ms`);
        if (p50Ratio > 2) failures.push(`${c.name} p50 overhead ${p50Ratio.toFixed(2)}x > 2x`);
      }
      console.log(
        failures.length === 0
          ? '\nall targets met'
          : `\ntargets missed:\n  ${failures.join('\n  ')}`,
      );
      if (failures.length > 0) process.exitCode = 1;
    } finally {
      child.kill();
      agent.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3]!);
} else {
  await main();
}
