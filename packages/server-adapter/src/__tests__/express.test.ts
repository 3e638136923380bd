import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createMemoryStore } from '../store/memoryStore';
import { createInlineQueue } from '../testing/inlineQueue';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { describeApi } from './apiSuite';
import { makeHarnessFactory } from './harness';

describeApi('Express', makeHarnessFactory('express'));

describe('Express mounting', () => {
  it("passes paths it has no route for to the host's next handler", async () => {
    const store = createMemoryStore();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { t: 'u' } }),
        store,
        queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
        logger: pino({ level: 'silent' }),
      }),
    );
    app.get('/api/host-route', (_req, res) => {
      res.json({ host: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as { port: number };
    try {
      const agent = supertest(`http://127.0.0.1:${port}`);
      expect((await agent.get('/api/host-route')).body).toEqual({ host: true });
      expect((await agent.get('/api/health')).body).toEqual({ status: 'ok' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
