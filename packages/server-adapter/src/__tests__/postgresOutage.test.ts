import type { Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue } from '../inProcessQueue';
import { createPostgresStore } from '../store/postgres/index';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';
import { startTestPostgres, type TestPostgres } from './support/postgres';

const TOKEN = 'outage-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const graph = {
  nodes: [{ id: 'a', type: 'text', data: { text: 'hello' }, position: { x: 0, y: 0 } }],
  edges: [],
};

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 90_000);
afterAll(async () => {
  await server?.destroy();
});

describe('Postgres going down and coming back', () => {
  it('answers 503 with Retry-After while the database is down, and recovers when it returns', async () => {
    const registry = createRegistry(builtinNodes);
    const store = await createPostgresStore({
      connectionString: await server.createDatabase(),
      connectionTimeoutMs: 1_000,
    });
    const queue = createInProcessQueue({
      store,
      registry,
      pollMs: 50,
      logger: pino({ level: 'silent' }),
    });
    await queue.start();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [TOKEN]: 'user-a' } }),
        store,
        queue,
        registry,
        rateLimit: false,
        publicRateLimit: false,
        logger: pino({ level: 'silent' }),
      }),
    );
    const http: Server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => http.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`;
    const execute = () =>
      fetch(`${base}/execute`, { method: 'POST', headers, body: JSON.stringify(graph) });
    const runEnds = async (runId: string) =>
      waitFor(async () => {
        const response = await fetch(`${base}/runs/${runId}`, { headers });
        const body = (await response.json()) as { run: { status: string } };
        return body.run.status === 'SUCCESS' ? body.run.status : undefined;
      }, `run ${runId} to succeed`);

    try {
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      const before = await execute();
      expect(before.status).toBe(202);
      await runEnds(((await before.json()) as { runId: string }).runId);

      await server.stop();

      // Alive (nothing to restart) but not ready: traffic should go elsewhere.
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(await ready.json()).toMatchObject({
        code: 'E_UNAVAILABLE',
        detail: 'The database does not accept writes.',
      });
      const refused = await execute();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({
        status: 503,
        code: 'E_UNAVAILABLE',
        detail: 'The database cannot be reached. Try again shortly.',
      });
      expect((await fetch(`${base}/runs`, { headers })).status).toBe(503);

      await server.start();

      // The pool reconnects and the queue claims again: ready without a restart of the app.
      await waitFor(
        async () => (await fetch(`${base}/ready`)).status === 200,
        '/ready to answer 200',
        15_000,
      );
      const after = await execute();
      expect(after.status).toBe(202);
      await runEnds(((await after.json()) as { runId: string }).runId);
      const runs = (await (await fetch(`${base}/runs`, { headers })).json()) as { total: number };
      expect(runs.total).toBe(2);
    } finally {
      await queue.stop({ deadlineMs: 0 });
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
    }
  }, 60_000);

  it('a run in flight when the database goes down resumes once it is back and ends SUCCESS', async () => {
    const lines: string[] = [];
    const store = await createPostgresStore({
      connectionString: await server.createDatabase(),
      connectionTimeoutMs: 1_000,
    });
    const queue = createInProcessQueue({
      store,
      registry: scriptedRegistry,
      context: { journal: (line: string) => lines.push(line) },
      leaseMs: 1_500,
      heartbeatMs: 100,
      pollMs: 50,
      logger: pino({ level: 'silent' }),
    });
    try {
      await store.ensureUser('user-a');
      const created = await store.createRun('user-a', {
        workflowId: null,
        workflowVersion: null,
        graph: stepGraph([
          { id: 'a', ms: 600 },
          { id: 'b', after: 'a' },
        ]),
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      if (!created.ok) throw new Error('the run was not created');
      const runId = created.run.id;
      await queue.start();
      await waitFor(() => lines.includes('start a 1'), 'node a to start');

      // The database goes while node a runs: the worker cannot store its progress, lets the run
      // go (stopping node a) and its lease runs out.
      await server.stop();
      await waitFor(
        () => lines.some((line) => line === 'done a' || line.startsWith('aborted a')),
        'node a to end',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.start();

      const ended = await waitFor(
        async () => {
          const run = await store.getRunById(runId).catch(() => undefined);
          return run && run.status !== 'QUEUED' && run.status !== 'RUNNING' ? run : undefined;
        },
        'the run to end',
        20_000,
      );
      expect(ended.status).toBe('SUCCESS');
      // The worker could not hand the run back (the database was down): the next claim took it
      // over once its lease ran out.
      expect(ended.interruptions).toBe(1);
      const detail = await store.getRunDetail('user-a', runId);
      expect(detail?.nodeResults.map((r) => [r.nodeId, r.status])).toEqual([
        ['a', 'SUCCESS'],
        ['b', 'SUCCESS'],
      ]);
      // Its events end with one run:finish, numbered without gaps.
      const events = await store.listRunEvents(runId, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.event.type === 'run:finish')).toHaveLength(1);
    } finally {
      await queue.stop({ deadlineMs: 0 });
      await store.close();
    }
  }, 60_000);
});

/**
 * A server on its way down can accept a connection and, in the same packet, say it is ready and
 * that it is terminating the connection. This one does exactly that, every time.
 */
async function startDyingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const message = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const authOk = message('R', Buffer.from([0, 0, 0, 0]));
  const ready = message('Z', Buffer.from('I', 'latin1'));
  const fields = [
    'SFATAL',
    'VFATAL',
    'C57P01',
    'Mterminating connection due to administrator command',
  ];
  const terminating = message('E', Buffer.from(`${fields.join('\0')}\0\0`, 'utf8'));
  const sockets = new Set<import('node:net').Socket>();
  const tcp = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    // The startup message is the first thing a client sends; answer it with all three at once.
    socket.once('data', () => {
      socket.end(Buffer.concat([authOk, ready, terminating]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/galaxy`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  };
}

describe('a connection the server ends as it opens', () => {
  it('fails the operation with E_STORE_UNAVAILABLE instead of crashing the process', async () => {
    const dying = await startDyingServer();
    const store = await createPostgresStore({ connectionString: dying.url, migrate: false });
    try {
      // Without a listener on the fresh connection, its `error` event is an uncaught exception
      // (vitest fails the run on it); with one, each attempt is refused like any outage.
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(store.ping()).rejects.toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
      }
    } finally {
      await store.close();
      await dying.close();
    }
  });

  it('refuses to open on it, reporting the outage, when migrations run at start', async () => {
    const dying = await startDyingServer();
    try {
      await expect(createPostgresStore({ connectionString: dying.url })).rejects.toMatchObject({
        code: 'E_STORE_UNAVAILABLE',
      });
    } finally {
      await dying.close();
    }
  });
});
