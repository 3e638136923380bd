import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue } from '../inProcessQueue';
import { createMemoryStore } from '../store/memoryStore';
import { waitFor } from './fixtures/wait';

const TOKEN = 'limits-token-0123456789';

describe('workflow size limits', () => {
  it('a workflow the router admits under raised limits runs on the worker, which does not hold it to the defaults', async () => {
    const registry = createRegistry(builtinNodes);
    const store = createMemoryStore();
    const queue = createInProcessQueue({
      store,
      registry,
      pollMs: 20,
      logger: pino({ level: 'silent' }),
    });
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [TOKEN]: 'user-a' } }),
        store,
        queue,
        registry,
        rateLimit: false,
        logger: pino({ level: 'silent' }),
        // Above the engine's default of 2,000 nodes.
        limits: { workflow: { maxNodes: 3_000 } },
      }),
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    try {
      await queue.start();
      const nodes = Array.from({ length: 2_100 }, (_, i) => ({
        id: `n${i}`,
        type: 'text',
        data: { text: `${i}` },
      }));
      const accepted = await fetch(`${base}/execute`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ nodes, edges: [] }),
      });
      expect(accepted.status, await accepted.clone().text()).toBe(202);
      const { runId } = (await accepted.json()) as { runId: string };
      const run = await waitFor(
        async () => {
          const found = await store.getRun('user-a', runId);
          return found && found.status !== 'QUEUED' && found.status !== 'RUNNING'
            ? found
            : undefined;
        },
        'the run to end',
        30_000,
      );
      expect(run.error).toBeNull();
      expect(run.status).toBe('SUCCESS');
      // Over the router's own limit, the request is refused before anything runs.
      const tooMany = Array.from({ length: 3_001 }, (_, i) => ({
        id: `n${i}`,
        type: 'text',
        data: { text: '' },
      }));
      const refused = await fetch(`${base}/execute`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ nodes: tooMany, edges: [] }),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        code: 'E_INVALID_BODY',
        issues: [{ path: ['nodes'], message: expect.stringContaining('3000') }],
      });
    } finally {
      await queue.stop({ deadlineMs: 0 });
      server.close();
      await store.close();
    }
  }, 60_000);
});
