import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunEvent, readSse } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import {
  createRedisAuthFailureLimiter,
  createRedisEventBus,
  createRedisRateLimiter,
} from '../redis/index';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';
import { type RedisServer, startRedisServer } from './support/redis';

const TOKEN = 'alice-token-0123456789';
const ALICE = 'user-alice';

let redis: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'galaxy-redis-instances-'));
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Instance {
  base: string;
  store: GalaxyStore;
  queue: InProcessQueue;
  close(): Promise<void>;
}

let clusters = 0;

/**
 * Two API instances on one SQLite file and one Redis, as two processes would be (each its own
 * store connection, Redis connections, bus and limiters). Only B's queue executes runs; A
 * serves the API and streams.
 */
async function startCluster(options: { pollMs?: number; now?: () => number } = {}) {
  const id = ++clusters;
  const prefix = `instances-${id}:`;
  const path = join(dir, `cluster-${id}.db`);
  const quiet = () => {};
  async function start(name: 'a' | 'b'): Promise<Instance> {
    const store = createSqliteStore({ path });
    const events = createRedisEventBus({ connection: redis.url, prefix, onError: quiet });
    const rateLimit = createRedisRateLimiter({
      connection: redis.url,
      prefix,
      onError: quiet,
      ...(options.now ? { now: options.now } : {}),
    });
    const authFailureLimit = createRedisAuthFailureLimiter({
      connection: redis.url,
      prefix,
      limit: 3,
      onError: quiet,
    });
    const queue = createInProcessQueue({
      store,
      registry: scriptedRegistry,
      events,
      workerId: `worker-${name}`,
      pollMs: 20,
      logger: { warn: quiet, error: quiet },
    });
    await events.ready();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [TOKEN]: ALICE } }),
        store,
        queue,
        registry: scriptedRegistry,
        events,
        rateLimit,
        authFailureLimit,
        logger: pino({ level: 'silent' }),
        // Only the bus can bring live events within the test's budget: no store polling.
        streams: { pollMs: options.pollMs ?? 60_000, heartbeatMs: 60_000 },
      }),
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
      store,
      queue,
      async close() {
        await queue.stop({ deadlineMs: 0 });
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([events.close(), rateLimit.close(), authFailureLimit.close()]);
        await store.close();
      },
    };
  }
  const a = await start('a');
  const b = await start('b');
  await b.queue.start();
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function execute(instance: Instance, graph: unknown): Promise<Response> {
  return fetch(`${instance.base}/execute`, {
    method: 'POST',
    headers,
    body: JSON.stringify(graph),
  });
}

/** Opens a run's event stream: resolves once the server has answered with its headers. */
async function openStream(instance: Instance, runId: string, lastEventId?: number) {
  const response = await fetch(`${instance.base}/runs/${runId}/events`, {
    headers: {
      ...headers,
      ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
    },
  });
  expect(response.status).toBe(200);
  return response;
}

/** Reads a run's event stream to its end: each event's id and type. */
async function stream(instance: Instance, runId: string, lastEventId?: number) {
  return readEvents(await openStream(instance, runId, lastEventId));
}

async function readEvents(response: Response) {
  const events: { seq: number; type: RunEvent['type']; at: number }[] = [];
  for await (const message of readSse(response.body!)) {
    const event = JSON.parse(message.data) as RunEvent;
    events.push({ seq: Number(message.id), type: event.type, at: Date.now() });
  }
  return events;
}

describe('two instances on one Redis', () => {
  it('150 requests from one user spread over both instances: 429 after exactly 100', async () => {
    // One frozen clock for both limiters, so no token refills while the requests go out.
    const cluster = await startCluster({ now: () => 1_700_000_000_000 });
    try {
      const statuses: number[] = [];
      let firstRefusal: Response | undefined;
      for (let i = 0; i < 150; i++) {
        const instance = i % 2 === 0 ? cluster.a : cluster.b;
        const response = await fetch(`${instance.base}/runs`, { headers });
        statuses.push(response.status);
        if (response.status === 429 && !firstRefusal) firstRefusal = response;
        await response.arrayBuffer();
      }
      expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
      expect(statuses.slice(100).every((status) => status === 429)).toBe(true);
      expect(firstRefusal?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(firstRefusal?.headers.get('retry-after')).toBe('1');
      expect(firstRefusal?.headers.get('ratelimit-remaining')).toBe('0');
      expect(firstRefusal?.headers.get('ratelimit-policy')).toBe('100;w=60');
    } finally {
      await cluster.close();
    }
  });

  it('an address that fails to sign in on one instance waits on the other too', async () => {
    const cluster = await startCluster();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const instance = i % 2 === 0 ? cluster.a : cluster.b;
        const response = await fetch(`${instance.base}/runs`, {
          headers: { authorization: `Bearer wrong-token-${i}` },
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await cluster.close();
    }
  });

  it('an SSE client on A sees, live and in order, the events of a run executed via B', async () => {
    const cluster = await startCluster();
    try {
      const graph = stepGraph([
        { id: 'a', ms: 150, deltas: 5 },
        { id: 'b', after: 'a', ms: 150, deltas: 5 },
      ]);
      const executed = await execute(cluster.b, graph);
      expect(executed.status).toBe(202);
      const { runId } = (await executed.json()) as { runId: string };
      const started = Date.now();
      const seen = await stream(cluster.a, runId);
      // A's stream reads the store only when it opens: the rest came over Redis, well before
      // A's 60 s poll.
      expect(Date.now() - started).toBeLessThan(10_000);
      const stored = await cluster.a.store.listRunEvents(runId, 0);
      expect(seen.map((e) => e.seq)).toEqual(stored.map((r) => r.seq));
      expect(seen.map((e) => e.type)).toEqual(stored.map((r) => r.event.type));
      expect(seen.filter((e) => e.type === 'node:delta')).toHaveLength(10);
      expect(seen.at(-1)?.type).toBe('run:finish');
      expect((await cluster.a.store.getRun(ALICE, runId))?.status).toBe('SUCCESS');

      // Resuming with Last-Event-ID on the other instance: the rest, no gap, no repeat.
      const resumed = await stream(cluster.b, runId, 4);
      expect(resumed.map((e) => e.seq)).toEqual(stored.slice(4).map((r) => r.seq));
    } finally {
      await cluster.close();
    }
  });

  it('while Redis is down: executes answer 503 with Retry-After, nothing is recorded, running runs finish; then it recovers', async () => {
    const cluster = await startCluster({ pollMs: 200 });
    try {
      // A run executing on B when Redis goes away.
      const executed = await execute(cluster.b, stepGraph([{ id: 'slow', ms: 800 }]));
      expect(executed.status).toBe(202);
      const { runId } = (await executed.json()) as { runId: string };
      // The stream is open (past auth and the rate limit) before Redis goes away.
      const watching = readEvents(await openStream(cluster.a, runId));
      await waitFor(
        async () => (await cluster.b.store.getRun(ALICE, runId))?.status === 'RUNNING',
        'the run to start on B',
      );
      await redis.stop();

      const refused = await execute(cluster.a, stepGraph([{ id: 'x' }]));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ code: 'E_UNAVAILABLE', status: 503 });
      // B (the instance with a running queue) is taken out of the load balancer, saying why.
      const ready = await fetch(`${cluster.b.base}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(await ready.json()).toMatchObject({
        code: 'E_UNAVAILABLE',
        detail: 'The event bus does not carry live run events.',
      });
      // The refused execute left nothing behind.
      expect((await cluster.a.store.listRuns(ALICE, { page: 1, limit: 10 })).items).toHaveLength(1);

      // The run in flight ends, and A's stream still completes, from the store.
      const seen = await watching;
      expect(seen.at(-1)?.type).toBe('run:finish');
      const stored = await cluster.a.store.listRunEvents(runId, 0);
      expect(seen.map((e) => e.seq)).toEqual(stored.map((r) => r.seq));
      expect((await cluster.a.store.getRun(ALICE, runId))?.status).toBe('SUCCESS');

      await redis.start();
      await waitFor(
        async () => (await fetch(`${cluster.b.base}/ready`)).status === 200,
        'instance B to be ready again',
        10_000,
      );
      const again = await waitFor(async () => {
        // A's connections come back on their own schedule: its limiter answers 503 until then.
        const response = await execute(cluster.a, stepGraph([{ id: 'after', ms: 100, deltas: 3 }]));
        return response.status === 503 ? undefined : response;
      }, 'instance A to take executes again');
      expect(again.status).toBe(202);
      const next = ((await again.json()) as { runId: string }).runId;
      const live = await stream(cluster.a, next);
      expect(live.at(-1)?.type).toBe('run:finish');
      expect(live.filter((e) => e.type === 'node:delta')).toHaveLength(3);
    } finally {
      await redis.start();
      await cluster.close();
    }
  });
});
