import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyClient } from '../client/index';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { eventShape, referenceEvents } from './fixtures/eventParity';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';

/**
 * One run, two audiences: a host calling the engine and a browser streaming the run from the
 * server must see the same sequence of events, whether the run went straight through, was
 * handed over by a deploy, or was canceled. (A run resumed after SIGKILL is held to the same
 * in crash.test.ts, with real processes.)
 */

const TOKEN = 'parity-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Server {
  store: GalaxyStore;
  queues: InProcessQueue[];
  client: ReturnType<typeof createGalaxyClient>;
  close(): Promise<void>;
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

let files = 0;
async function serve(): Promise<Server> {
  const store = createSqliteStore({ path: join(dir, `parity-${++files}.db`) });
  const queue = newQueue(store);
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: 'parity-user' } }),
      store,
      queue,
      registry: scriptedRegistry,
      logger: pino({ level: 'silent' }),
    }),
  );
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const client = createGalaxyClient({
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  await queue.start();
  const queues = [queue];
  server = {
    store,
    queues,
    client,
    async close() {
      for (const q of queues) await q.stop({ deadlineMs: 0 });
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await store.close();
    },
  };
  return server;
}

function newQueue(store: GalaxyStore): InProcessQueue {
  return createInProcessQueue({ store, registry: scriptedRegistry, leaseMs: 1000, pollMs: 10 });
}

/** Every event of the run, as the client's Server-Sent Events subscription delivers them. */
function stream(s: Server, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  return new Promise((resolve) => {
    s.client.subscribe(runId, (event) => events.push(event), {
      onStateChange: (state) => state === 'closed' && resolve(events),
    });
  });
}

async function nodeStarted(s: Server, runId: string, nodeId: string): Promise<void> {
  await waitFor(
    async () =>
      (await s.store.listRunEvents(runId, 0)).some(
        (r) => r.event.type === 'node:start' && r.event.nodeId === nodeId,
      ),
    `${nodeId} to start`,
  );
}

const chain = (slow: string) =>
  stepGraph(
    ['a', 'b', 'c'].map((id, i) => ({
      id,
      ms: id === slow ? 300 : 20,
      ...(i > 0 ? { after: ['a', 'b'][i - 1] } : {}),
    })),
  );

describe('runWorkflow and the SSE stream of the same run', () => {
  it('are the same sequence for a run that goes straight through', async () => {
    const s = await serve();
    const graph = stepGraph([
      { id: 'a', ms: 10, deltas: 2 },
      {
        id: 'b',
        after: 'a',
        ms: 10,
        failTimes: 1,
        common: { retryPolicy: { maxAttempts: 2, backoffMs: 0 } },
      },
      { id: 'c', after: 'a', ms: 10, meta: { provider: 'stub' } },
    ]);
    const { runId } = await s.client.execute(graph);
    const streamed = await stream(s, runId);
    expect(streamed.at(-1)).toMatchObject({ type: 'run:finish', status: 'SUCCESS' });
    expect(streamed.map(eventShape)).toEqual((await referenceEvents(graph, runId)).map(eventShape));
  });

  it('are the same sequence for a run a deploy drained and another worker resumed', async () => {
    const s = await serve();
    const graph = chain('b');
    const { runId } = await s.client.execute(graph);
    const streamed = stream(s, runId);
    await nodeStarted(s, runId, 'b');
    await s.queues[0]!.stop({ deadlineMs: 5_000 });
    const next = newQueue(s.store);
    s.queues.push(next);
    await next.start();
    const events = await streamed;
    expect(events.filter((e) => e.type === 'run:resume')).toHaveLength(1);
    expect(events.map(eventShape)).toEqual(
      (await referenceEvents(graph, runId, { nodeId: 'b', interruption: 'drain' })).map(eventShape),
    );
  });

  it('are the same sequence for a run canceled while a node runs', async () => {
    const s = await serve();
    const graph = chain('b');
    const { runId } = await s.client.execute(graph);
    const streamed = stream(s, runId);
    await nodeStarted(s, runId, 'b');
    await s.client.cancel(runId);
    const events = await streamed;
    expect(events.at(-1)).toMatchObject({ type: 'run:finish', status: 'CANCELED' });
    expect(events.map(eventShape)).toEqual(
      (await referenceEvents(graph, runId, { nodeId: 'b', interruption: 'cancel' })).map(
        eventShape,
      ),
    );
  });
});
