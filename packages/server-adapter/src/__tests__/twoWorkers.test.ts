import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSse } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';

const TOKEN = 'alice-token-0123456789';
const ALICE = 'user-alice';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-two-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two processes on one database', () => {
  it('a cancel acknowledged by one process stops the run the other executes before its next node', async () => {
    const path = join(dir, 'shared.db');
    const lines: string[] = [];
    // Process A serves the API (its queue takes no work); process B only executes runs.
    // Each has its own connection and its own in-process event bus, as two processes would.
    const storeA = createSqliteStore({ path });
    const storeB = createSqliteStore({ path });
    const queueA = createInProcessQueue({ store: storeA, registry: scriptedRegistry });
    // The default lease: B's heartbeat, the only other way it hears of a cancel, is 10 s away.
    const queueB = createInProcessQueue({
      store: storeB,
      registry: scriptedRegistry,
      context: { journal: (line: string) => lines.push(line) },
      workerId: 'process-b',
      pollMs: 20,
    });
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [TOKEN]: ALICE } }),
        store: storeA,
        queue: queueA,
        registry: scriptedRegistry,
        rateLimit: false,
        logger: pino({ level: 'silent' }),
      }),
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    try {
      await queueB.start();
      const graph = stepGraph([
        { id: 'a', ms: 300 },
        { id: 'b', after: 'a' },
        { id: 'c', after: 'b' },
      ]);
      const executed = await fetch(`${base}/execute`, {
        method: 'POST',
        headers,
        body: JSON.stringify(graph),
      });
      expect(executed.status).toBe(202);
      const { runId } = (await executed.json()) as { runId: string };
      await waitFor(() => lines.includes('start a 1'), 'process B to start node a');

      // A stream on process A: B's events never reach A's bus, only its store.
      const streamed: string[] = [];
      const stream = await fetch(`${base}/runs/${runId}/events`, { headers });
      expect(stream.status).toBe(200);
      const reading = (async () => {
        for await (const message of readSse(stream.body!)) {
          streamed.push((JSON.parse(message.data) as { type: string }).type);
        }
      })();

      const cancel = await fetch(`${base}/runs/${runId}/cancel`, { method: 'POST', headers });
      expect(cancel.status).toBe(202);
      const acknowledged = lines.length;

      const ended = await waitFor(async () => {
        const run = await storeA.getRun(ALICE, runId);
        return run?.status === 'CANCELED' ? run : undefined;
      }, 'the run to end CANCELED');
      const endedAt = Date.now();
      // Node a was in flight and ran to its end; nothing started after the acknowledgement.
      expect(lines.slice(acknowledged).filter((line) => line.startsWith('start'))).toEqual([]);
      expect(lines).toEqual(['start a 1', 'done a']);
      expect(ended.error?.code).toBe('E_CANCELED');
      const detail = await storeA.getRunDetail(ALICE, runId);
      // The rest never started: no start recorded, and they end CANCELED like any node the
      // engine never reached.
      expect(detail?.nodeResults.map((r) => [r.nodeId, r.status])).toEqual([
        ['a', 'SUCCESS'],
        ['b', 'CANCELED'],
        ['c', 'CANCELED'],
      ]);
      const starts = (await storeA.listRunEvents(runId, 0)).filter(
        (e) => e.event.type === 'node:start',
      );
      expect(starts.map((e) => e.event.type === 'node:start' && e.event.nodeId)).toEqual(['a']);

      // The stream on A ends within about a store poll, not at its 15 s heartbeat.
      await reading;
      expect(Date.now() - endedAt).toBeLessThan(3_000);
      expect(streamed.at(-1)).toBe('run:finish');
      expect(streamed).toContain('node:finish');
    } finally {
      await queueB.stop({ deadlineMs: 0 });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storeA.close();
      await storeB.close();
    }
  });
});
