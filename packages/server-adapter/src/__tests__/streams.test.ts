import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunEvent, readSse } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyClient, type GalaxyClient } from '../client/index';
import type { GalaxyOptions } from '../options';
import { createMemoryEventBus, type MemoryEventBus } from '../events';
import { createGalaxyRouter } from '../express';
import { createGalaxyFetchHandler } from '../fetch';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { count, scriptedRegistry, type StepSpec, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';

const ALICE_TOKEN = 'alice-token-0123456789';
const BOB_TOKEN = 'bob-token-0123456789';
const ALICE = 'user-alice';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

interface World {
  baseUrl: string;
  fetch: typeof fetch;
  store: GalaxyStore;
  bus: MemoryEventBus;
  queue: InProcessQueue;
  lines: string[];
  alice: GalaxyClient;
  bob: GalaxyClient;
  close(): Promise<void>;
}

type Binding = 'express' | 'fetch';

/**
 * What a real HTTP server does between a fetch handler and its client: when the client goes
 * away, the response body is canceled.
 */
function overTheWire(response: Response, signal: AbortSignal | null | undefined): Response {
  if (!response.body) return response;
  const source = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: (reason) => source.cancel(reason),
  });
  signal?.addEventListener('abort', () => void source.cancel(signal.reason).catch(() => {}), {
    once: true,
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

async function serve(
  binding: Binding,
  options: { start?: boolean; streams?: GalaxyOptions['streams'] } = {},
): Promise<World> {
  const store = createSqliteStore({ path: join(dir, `streams-${++files}.db`) });
  const bus = createMemoryEventBus();
  const lines: string[] = [];
  const queue = createInProcessQueue({
    store,
    registry: scriptedRegistry,
    context: { journal: (line: string) => lines.push(line) },
    events: bus,
    pollMs: 20,
    maxRunsPerUser: 5,
  });
  const apiOptions: GalaxyOptions = {
    auth: tokenAuth({ tokens: { [ALICE_TOKEN]: ALICE, [BOB_TOKEN]: 'user-bob' } }),
    store,
    queue,
    registry: scriptedRegistry,
    rateLimit: false,
    logger: pino({ level: 'silent' }),
    streams: { maxPerUser: 2, heartbeatMs: 100, retryMs: 50, ...options.streams },
  };
  let baseUrl: string;
  let fetchImpl: typeof fetch;
  let server: Server | undefined;
  if (binding === 'express') {
    const app = express();
    app.use('/api', createGalaxyRouter(apiOptions));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    fetchImpl = (input, init) => globalThis.fetch(input, init);
  } else {
    const handler = createGalaxyFetchHandler({ ...apiOptions, basePath: '/api' });
    baseUrl = 'http://galaxy.test/api';
    fetchImpl = async (input, init) =>
      overTheWire(await handler(new Request(input, init)), init?.signal);
  }
  if (options.start !== false) await queue.start();
  const client = (token: string) =>
    createGalaxyClient({
      baseUrl,
      fetch: fetchImpl,
      headers: { authorization: `Bearer ${token}` },
      reconnectMinMs: 20,
    });
  return {
    baseUrl,
    fetch: fetchImpl,
    store,
    bus,
    queue,
    lines,
    alice: client(ALICE_TOKEN),
    bob: client(BOB_TOKEN),
    async close() {
      await queue.stop({ deadlineMs: 0 });
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await store.close();
    },
  };
}

interface RawStream {
  response: Promise<Response>;
  events: { id: number; event: RunEvent }[];
  comments: string[];
  readonly ended: boolean;
  close(): void;
}

/** Opens `GET /runs/:id/events` by hand, recording what arrives. */
function openStream(
  w: World,
  runId: string,
  options: { token?: string; lastEventId?: number } = {},
): RawStream {
  const controller = new AbortController();
  const events: RawStream['events'] = [];
  const comments: string[] = [];
  let ended = false;
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token ?? ALICE_TOKEN}`,
  };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const response = w
    .fetch(`${w.baseUrl}/runs/${runId}/events`, { headers, signal: controller.signal })
    .then((res) => {
      const body = res.body;
      if (res.status === 200 && body) {
        (async () => {
          const stream = readSse(body, { onComment: (c) => comments.push(c) });
          for await (const m of stream) {
            events.push({ id: Number(m.id), event: JSON.parse(m.data) });
          }
        })().then(
          () => {
            ended = true;
          },
          () => {
            ended = true;
          },
        );
      } else {
        ended = true;
      }
      return res;
    });
  return {
    response,
    events,
    comments,
    get ended() {
      return ended;
    },
    close: () => controller.abort(),
  };
}

async function execute(w: World, steps: StepSpec[]): Promise<string> {
  return (await w.alice.execute(stepGraph(steps))).runId;
}

async function ended(w: World, runId: string) {
  return waitFor(async () => {
    const run = await w.store.getRun(ALICE, runId);
    return run && run.status !== 'QUEUED' && run.status !== 'RUNNING' ? run : undefined;
  }, `run ${runId} to end`);
}

async function storedTypes(w: World, runId: string) {
  return (await w.store.listRunEvents(runId, 0)).map((e) => [e.seq, e.event.type]);
}

function describeStreams(binding: Binding) {
  describe(`${binding} binding`, () => {
    let w: World | undefined;
    afterEach(async () => {
      await w?.close();
      w = undefined;
    });

    it('streams a run live, in order, numbered from 1, ending after run:finish', async () => {
      w = await serve(binding);
      const runId = await execute(w, [
        { id: 'a', ms: 100, deltas: 5 },
        { id: 'b', after: 'a' },
      ]);
      const seen: [number, string][] = [];
      const states: string[] = [];
      let lastSeq = 0;
      const done = new Promise<void>((resolve) => {
        w?.alice.subscribe(runId, (event) => seen.push([lastSeq, event.type]), {
          onEventId: (seq) => {
            lastSeq = seq;
          },
          onStateChange: (state) => {
            states.push(state);
            if (state === 'closed') resolve();
          },
        });
      });
      await done;
      expect(seen).toEqual(await storedTypes(w, runId));
      expect(seen.filter(([, type]) => type === 'node:delta')).toHaveLength(5);
      expect(seen.at(-1)?.[1]).toBe('run:finish');
      expect(states).toEqual(['connecting', 'open', 'closed']);
      await waitFor(() => w?.bus.listenerCount() === 0, 'the stream to let go of the bus');
    });

    it('resumes from Last-Event-ID with nothing lost and nothing twice', async () => {
      w = await serve(binding);
      const runId = await execute(w, [
        { id: 'a', ms: 600, deltas: 30 },
        { id: 'b', after: 'a' },
      ]);
      const first = openStream(w, runId);
      await waitFor(() => first.events.length >= 5, 'a few events');
      first.close();
      const cut = first.events.at(-1)!.id;
      // More happens while nobody listens.
      await waitFor(
        async () => (await w!.store.listRunEvents(runId, cut)).length >= 5,
        'more events',
      );
      const second = openStream(w, runId, { lastEventId: cut });
      await waitFor(() => second.ended, 'the resumed stream to end');
      const ids = [...first.events, ...second.events].map((e) => e.id);
      expect(ids).toEqual(ids.map((_, i) => i + 1));
      expect(second.events[0]?.id).toBe(cut + 1);
      expect([...first.events, ...second.events].map((e) => [e.id, e.event.type])).toEqual(
        await storedTypes(w, runId),
      );
    });

    it('the client resumes by itself after the connection drops mid-run', async () => {
      w = await serve(binding);
      const runId = await execute(w, [
        { id: 'a', ms: 500, deltas: 25 },
        { id: 'b', after: 'a' },
      ]);
      let connections = 0;
      const dropping: typeof fetch = async (input, init) => {
        const response = await w!.fetch(input, init);
        connections += 1;
        if (connections > 1 || !response.body) return response;
        // The first connection dies after a few chunks, like a flaky network.
        const reader = response.body.getReader();
        let chunks = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done || ++chunks > 4) {
              await reader.cancel();
              controller.error(new TypeError('network connection lost'));
              return;
            }
            controller.enqueue(value);
          },
        });
        return new Response(body, { status: response.status, headers: response.headers });
      };
      const client = createGalaxyClient({
        baseUrl: w.baseUrl,
        fetch: dropping,
        headers: { authorization: `Bearer ${ALICE_TOKEN}` },
        reconnectMinMs: 20,
      });
      const seen: [number, string][] = [];
      const errors: unknown[] = [];
      let seq = 0;
      await new Promise<void>((resolve) => {
        client.subscribe(runId, (event) => seen.push([seq, event.type]), {
          onEventId: (id) => {
            seq = id;
          },
          onError: (error) => errors.push(error),
          onStateChange: (state) => state === 'closed' && resolve(),
        });
      });
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(seen).toEqual(await storedTypes(w, runId));
    });

    it('replays a finished run and closes; a subscription with nothing left ends at once', async () => {
      w = await serve(binding);
      const runId = await execute(w, [{ id: 'a' }, { id: 'b', after: 'a' }]);
      await ended(w, runId);
      const all = await storedTypes(w, runId);
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        w?.alice.subscribe(runId, (event) => seen.push(event.type), {
          onStateChange: (state) => state === 'closed' && resolve(),
        });
      });
      expect(seen).toEqual(all.map(([, type]) => type));
      const late: string[] = [];
      await new Promise<void>((resolve) => {
        w?.alice.subscribe(runId, (event) => late.push(event.type), {
          lastEventId: all.length,
          onStateChange: (state) => state === 'closed' && resolve(),
        });
      });
      expect(late).toEqual([]);
    });

    it("answers 404 for another user's run, and the subscription ends with that error", async () => {
      w = await serve(binding);
      const runId = await execute(w, [{ id: 'a', ms: 300 }]);
      const raw = await openStream(w, runId, { token: BOB_TOKEN }).response;
      expect(raw.status).toBe(404);
      expect(((await raw.json()) as { code: string }).code).toBe('E_RUN_NOT_FOUND');
      const errors: { code?: string }[] = [];
      await new Promise<void>((resolve) => {
        w?.bob.subscribe(runId, () => {}, {
          onError: (error) => errors.push(error as { code?: string }),
          onStateChange: (state) => state === 'closed' && resolve(),
        });
      });
      expect(errors.map((e) => e.code)).toEqual(['E_RUN_NOT_FOUND']);
    });

    it('caps open streams per user, sends heartbeats, and frees everything on disconnect', async () => {
      w = await serve(binding);
      const runId = await execute(w, [{ id: 'quiet', ms: 3_000 }]);
      await waitFor(() => w?.lines.includes('start quiet 1'), 'the node to start');
      const one = openStream(w, runId);
      const two = openStream(w, runId);
      expect((await one.response).status).toBe(200);
      expect((await two.response).status).toBe(200);
      const three = await openStream(w, runId).response;
      expect(three.status).toBe(429);
      expect(three.headers.get('retry-after')).toBe('1');
      expect(((await three.json()) as { code: string }).code).toBe('E_TOO_MANY_STREAMS');
      const bobs = openStream(w, runId, { token: BOB_TOKEN });
      expect((await bobs.response).status).toBe(404);

      // Nothing happens in the run for 3 s: the heartbeat keeps the stream talking.
      await waitFor(() => one.comments.includes('keep-alive'), 'a heartbeat comment', 2000);
      expect(w.bus.listenerCount(runId)).toBe(2);
      one.close();
      two.close();
      await waitFor(() => w?.bus.listenerCount(runId) === 0, 'listeners to be freed', 2000);
      const again = openStream(w, runId);
      expect((await again.response).status).toBe(200);
      again.close();
    });
  });

  describe(`${binding} binding: cancel`, () => {
    let w: World | undefined;
    afterEach(async () => {
      await w?.close();
      w = undefined;
    });

    it('cancels a queued run at once, ends its streams, and no worker runs it later', async () => {
      w = await serve(binding, { start: false });
      const runId = await execute(w, [{ id: 'a' }]);
      const stream = openStream(w, runId);
      expect((await stream.response).status).toBe(200);
      const canceled = await w.alice.cancel(runId);
      expect(canceled).toMatchObject({ id: runId, status: 'CANCELED' });
      await waitFor(() => stream.ended, 'the stream to end');
      expect(stream.events.map((e) => [e.id, e.event.type])).toEqual([[1, 'run:finish']]);
      expect(stream.events[0]?.event).toMatchObject({ status: 'CANCELED' });
      await w.queue.start();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(w.lines).toEqual([]);
      expect((await w.store.getRun(ALICE, runId))?.status).toBe('CANCELED');
    });

    it('stops a long node at once, starts nothing after, keeps the partial results', async () => {
      w = await serve(binding);
      const runId = await execute(w, [
        { id: 'a' },
        { id: 'b', after: 'a', ms: 10_000 },
        { id: 'c', after: 'b' },
      ]);
      await waitFor(() => w?.lines.includes('start b 1'), 'b to start');
      const asked = Date.now();
      const res = await w.fetch(`${w.baseUrl}/runs/${runId}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ALICE_TOKEN}` },
      });
      expect(res.status).toBe(202);
      // The executor's signal fired before the answer: the node is already stopping.
      expect(count(w.lines, 'aborted', 'b')).toBe(1);
      const run = await ended(w, runId);
      expect(Date.now() - asked).toBeLessThan(1000);
      expect(run.status).toBe('CANCELED');
      expect(run.error?.code).toBe('E_CANCELED');
      expect(run.counts).toEqual({ total: 3, success: 1, failed: 0, skipped: 0, canceled: 2 });
      expect(count(w.lines, 'start', 'c')).toBe(0);
      const detail = await w.alice.getRun(runId);
      expect(detail.nodes.a?.output).toEqual({ out: 'a' });
      expect(detail.nodes.b?.status).toBe('CANCELED');
      expect(detail.nodes.c?.status).toBe('CANCELED');
    });

    it('cancels a node waiting out its retry backoff without another attempt', async () => {
      w = await serve(binding);
      const runId = await execute(w, [
        {
          id: 'flaky',
          failTimes: 1,
          common: { retryPolicy: { maxAttempts: 3, backoffMs: 10_000, jitter: false } },
        },
      ]);
      await waitFor(
        async () =>
          (await w!.store.listRunEvents(runId, 0)).some((e) => e.event.type === 'node:retry'),
        'the retry to be scheduled',
      );
      const asked = Date.now();
      expect((await w.alice.cancel(runId)).status).toBe('RUNNING');
      const run = await ended(w, runId);
      expect(Date.now() - asked).toBeLessThan(1000);
      expect(run.status).toBe('CANCELED');
      expect(count(w.lines, 'start', 'flaky')).toBe(1);
      const detail = await w.store.getRunDetail(ALICE, runId);
      expect(detail?.nodeResults.map((r) => [r.status, r.attempts])).toEqual([['CANCELED', 1]]);
    });
  });
}

describeStreams('express');
describeStreams('fetch');
