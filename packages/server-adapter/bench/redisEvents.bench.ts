/**
 * SSE delivery across instances through Redis: 1,000 subscribers on one run whose node streams
 * 10 events/s for 6 s. The run executes on a worker process (B); the subscribers stream from an
 * API process (A) on the same SQLite file and the same Redis, so every event goes
 * engine (B) -> store -> Redis bus -> A -> SSE over Express. The baseline, measured in the same
 * run on the same machine, is one process that executes and streams with the in-memory bus.
 * Reports the delivery latency (event time -> parsed by the subscriber), the deltas missed,
 * and the Redis connections A holds for its 1,000 streams. Target: p99 <= 100 ms across
 * instances.
 *
 *   pnpm --filter @galaxyflow/server-adapter bench:redis
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get, } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinNodes, createRegistry, } from '@galaxyflow/engine';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startRedisServer } from '../src/__tests__/support/redis';
import {
  createGalaxyRouter,
  createInProcessQueue,
  createMemoryEventBus,
  type EventBus,
  tokenAuth,
} from '../src/index';
import { createRedisEventBus } from '../src/redis/index';
import { createSqliteStore } from '../src/sqlite';
import { percentile, postJson, TOKEN, tickerNode, USER } from './support';

const SUBSCRIBERS = 1000;
const SUBSCRIBER_PROCESSES = 2;
const EVENTS_PER_SECOND = 10;
const STREAM_SECONDS = 6;
const TARGET_P99_MS = 100;
const PREFIX = 'bench:';

const registry = createRegistry([...builtinNodes, tickerNode]);

// ---------------------------------------------------------------------------------------
// Server processes

/** Set by the parent once every subscriber is connected (the worker cannot see A's streams). */
let go = false;
process.on('message', (message: { type: string }) => {
  if (message.type === 'go') go = true;
});

/**
 * `--api <db> <redis url | memory>`: serves the API and streams. With `memory` it also
 * executes (the one-process baseline); with a Redis URL its queue takes no work.
 */
async function serveApi(dbPath: string, redisUrl: string): Promise<void> {
  const store = createSqliteStore({ path: dbPath });
  const events: EventBus =
    redisUrl === 'memory'
      ? createMemoryEventBus()
      : createRedisEventBus({ connection: redisUrl, prefix: PREFIX });
  if ('ready' in events) await (events as { ready(): Promise<void> }).ready();
  const queue = createInProcessQueue({
    store,
    registry,
    events,
    pollMs: 10,
    context: { ready: () => go },
  });
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: USER } }),
      store,
      queue,
      registry,
      events,
      rateLimit: false,
      logger: pino({ level: 'silent' }),
      streams: { maxPerUser: SUBSCRIBERS + 10 },
    }),
  );
  const server = app.listen(0, '127.0.0.1', 4096);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  if (redisUrl === 'memory') await queue.start();
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
}

/** `--worker <db> <redis url>`: executes runs and publishes their events to Redis; no HTTP. */
async function serveWorker(dbPath: string, redisUrl: string): Promise<void> {
  const store = createSqliteStore({ path: dbPath });
  const events = createRedisEventBus({ connection: redisUrl, prefix: PREFIX });
  await events.ready();
  const queue = createInProcessQueue({
    store,
    registry,
    events,
    pollMs: 10,
    context: { ready: () => go },
  });
  await queue.start();
  process.send?.({ type: 'ready' });
}

// ---------------------------------------------------------------------------------------
// Load generator

function started<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (message: T) => resolve(message));
    child.once('exit', (code) => reject(new Error(`a server process exited with ${code}`)));
  });
}

interface Figures {
  label: string;
  latencies: number[];
  missed: number;
  /** The three ticks with the slowest delivery: [tick, ms]. */
  slowest: [number, number][];
  redisConnections?: number;
}

/** One measurement: servers started, 1,000 subscribers connected to the API, one ticker run. */
async function measure(mode: 'memory' | 'redis', redisUrl: string): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `galaxy-bench-${mode}-`));
  const db = join(dir, 'bench.db');
  const self = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  const admin = mode === 'redis' ? new Redis(redisUrl) : undefined;
  try {
    const api = fork(self, ['--api', db, mode === 'redis' ? redisUrl : 'memory'], {
      stdio: 'inherit',
    });
    children.push(api);
    const { port } = await started<{ port: number }>(api);
    if (mode === 'redis') {
      const worker = fork(self, ['--worker', db, redisUrl], { stdio: 'inherit' });
      children.push(worker);
      await started(worker);
    }
    const waitMs = 60_000;
    const { runId } = await postJson(port, '/api/execute', {
      nodes: [
        {
          id: 'ticker',
          type: 'ticker',
          data: { rate: EVENTS_PER_SECOND, seconds: STREAM_SECONDS, waitMs },
        },
      ],
      edges: [],
    });
    const groups = Array.from(
      { length: SUBSCRIBER_PROCESSES },
      (_, i) =>
        Math.floor(SUBSCRIBERS / SUBSCRIBER_PROCESSES) +
        (i < SUBSCRIBERS % SUBSCRIBER_PROCESSES ? 1 : 0),
    );
    const subscribers = groups.map((n) =>
      fork(self, ['--subscribe', String(port), runId, String(n)], { stdio: 'inherit' }),
    );
    children.push(...subscribers);
    const connected = subscribers.map(
      (sub) =>
        new Promise<void>((resolve) => {
          const onMessage = (message: { type: string }) => {
            if (message.type !== 'connected') return;
            sub.off('message', onMessage);
            resolve();
          };
          sub.on('message', onMessage);
        }),
    );
    const results = subscribers.map(
      (sub) =>
        new Promise<{ latencies: number[]; ticks: number[] }>((resolve, reject) => {
          sub.on('message', (message: { type: string; latencies: number[]; ticks: number[] }) => {
            if (message.type === 'done') resolve(message);
          });
          sub.once('exit', (code) => code !== 0 && reject(new Error(`subscriber exited ${code}`)));
        }),
    );
    await Promise.all(connected);
    let redisConnections: number | undefined;
    if (admin) {
      // Every connection but the bench's own: A's two and the worker's two.
      const list = (await admin.client('LIST')) as string;
      redisConnections = list
        .split('\n')
        .filter((l) => l.includes('name=createRedisEventBus')).length;
    }
    for (const child of children.slice(0, mode === 'redis' ? 2 : 1)) child.send({ type: 'go' });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the run did not finish')), STREAM_SECONDS * 1000 + 30_000),
    );
    const outcome = await Promise.race([Promise.all(results), timeout]);
    // The tick whose slowest delivery was slowest: one stall, or slow throughout?
    const worstByTick = new Map<number, number>();
    for (const { latencies: ms, ticks } of outcome) {
      ms.forEach((latency, i) => {
        const tick = ticks[i]!;
        worstByTick.set(tick, Math.max(worstByTick.get(tick) ?? 0, latency));
      });
    }
    const slowest = [...worstByTick].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const latencies = outcome.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const expected = SUBSCRIBERS * EVENTS_PER_SECOND * STREAM_SECONDS;
    return {
      label: mode === 'redis' ? 'Redis bus, A streams what B runs' : 'in-memory bus, one process',
      latencies,
      missed: expected - latencies.length,
      slowest,
      ...(redisConnections === undefined ? {} : { redisConnections }),
    };
  } finally {
    admin?.disconnect();
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One subscriber process: opens `count` streams, reports when connected and at the end. */
async function subscribe(port: number, runId: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const latencies: number[] = [];
  const ticks: number[] = [];
  let connected = 0;
  let ended = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      get(
        {
          host: '127.0.0.1',
          port,
          path: `/api/runs/${runId}/events`,
          agent,
          headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' },
        },
        (res) => {
          if (res.statusCode !== 200) throw new Error(`stream answered ${res.statusCode}`);
          connected += 1;
          if (connected === count) process.send?.({ type: 'connected' });
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            const now = Date.now();
            buffer += chunk;
            let end = buffer.indexOf('\n\n');
            while (end !== -1) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.indexOf('\ndata: ');
              if (data !== -1) {
                const event = JSON.parse(block.slice(data + 7)) as {
                  type: string;
                  at: number;
                  delta?: string;
                };
                if (event.type === 'node:delta') {
                  latencies.push(now - event.at);
                  ticks.push(Number(event.delta?.slice(5)));
                }
              }
              end = buffer.indexOf('\n\n');
            }
          });
          res.on('end', () => {
            ended += 1;
            if (ended === count) resolve();
          });
        },
      );
    }
  });
  agent.destroy();
  process.send?.({ type: 'done', latencies, ticks });
  process.disconnect?.();
}

function row(figures: Figures): string {
  const l = figures.latencies;
  const slowest = figures.slowest.map(([tick, ms]) => `#${tick} ${ms} ms`).join(', ');
  return `  ${figures.label.padEnd(34)} p50 ${String(percentile(l, 50)).padStart(4)} ms  p90 ${String(percentile(l, 90)).padStart(4)} ms  p99 ${String(percentile(l, 99)).padStart(4)} ms  max ${String(l.at(-1)).padStart(4)} ms  missed ${figures.missed}\n  ${''.padEnd(34)} slowest ticks (of ${EVENTS_PER_SECOND * STREAM_SECONDS}): ${slowest}`;
}

async function main(): Promise<void> {
  console.log(
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} on ${cpus().length} cores`,
  );
  const redis = await startRedisServer();
  try {
    const baseline = await measure('memory', redis.url);
    const redisFigures = await measure('redis', redis.url);
    console.log(
      `\nSSE delivery across instances: ${SUBSCRIBERS} subscribers on one run, ${EVENTS_PER_SECOND} events/s for ${STREAM_SECONDS} s (${SUBSCRIBERS * EVENTS_PER_SECOND * STREAM_SECONDS} deltas)`,
    );
    console.log(row(baseline));
    console.log(row(redisFigures));
    const p99 = percentile(redisFigures.latencies, 99);
    const baseP99 = percentile(baseline.latencies, 99);
    console.log(
      `  ratio p99 Redis / in-memory: ${(p99 / Math.max(1, baseP99)).toFixed(2)}  (p50 ${(percentile(redisFigures.latencies, 50) / Math.max(1, percentile(baseline.latencies, 50))).toFixed(2)})`,
    );
    console.log(
      `  Redis connections of the bus, API and worker together: ${redisFigures.redisConnections} for ${SUBSCRIBERS} streams`,
    );
    const ok = p99 <= TARGET_P99_MS && redisFigures.missed === 0;
    console.log(
      `  target p99 <= ${TARGET_P99_MS} ms across instances, nothing missed: ${ok ? 'ok' : 'MISSED'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await redis.close();
  }
}

if (process.argv[2] === '--api') {
  await serveApi(process.argv[3]!, process.argv[4]!);
} else if (process.argv[2] === '--worker') {
  await serveWorker(process.argv[3]!, process.argv[4]!);
} else if (process.argv[2] === '--subscribe') {
  await subscribe(Number(process.argv[3]), process.argv[4]!, Number(process.argv[5]));
} else {
  await main();
}
