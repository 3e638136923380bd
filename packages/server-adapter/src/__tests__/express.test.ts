import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createMemoryAuthFailureLimiter } from '../rateLimit';
import { createGalaxyRouter } from '../express';
import { createMemoryStore } from '../store/memoryStore';
import { createInlineQueue } from '../testing/inlineQueue';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { describeApi } from './apiSuite';
import { makeHarnessFactory } from './harness';

describeApi('Express', makeHarnessFactory('express'));

// A host's session lookup or similar: by the time the router runs, a small body has fully
// arrived (`req.complete`) but nobody has read it.
const asyncMiddleware: express.RequestHandler = async (_req, _res, next) => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  next();
};
describeApi(
  'Express behind an async middleware',
  makeHarnessFactory('express', { before: [asyncMiddleware] }),
);

describe('Express failed sign-in limit', () => {
  it('counts by connection address and ignores X-Forwarded-For unless the host trusts a proxy', async () => {
    const api = await makeHarnessFactory('express')({
      authFailureLimit: createMemoryAuthFailureLimiter({ limit: 3, windowMs: 60_000 }),
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // A new forged address each time: it must not buy new attempts.
        const res = await api.request('GET', '/workflows', {
          token: `guess-${i}`,
          headers: { 'x-forwarded-for': `203.0.113.${i}` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await api.close();
    }
  });
});

describe('Express behind express.json()', () => {
  const makeHarness = makeHarnessFactory('express', {
    // A generous parser limit, so the API's own 1 MiB limit is the one that answers.
    before: [express.json({ limit: '10mb' })],
  });

  it("takes the host parser's body and still applies its own limits and checks", async () => {
    const api = await makeHarness();
    try {
      const created = await api.request('POST', '/workflows', { json: { name: 'Parsed' } });
      expect(created.status).toBe(201);
      expect(created.body.name).toBe('Parsed');
      const before = api.tableCounts();
      const cases: [string, number, string][] = [
        ['{"name":"x","__proto__":{"admin":true}}', 400, 'E_FORBIDDEN_KEY'],
        [`{"name":"x","deep":${'['.repeat(100)}${']'.repeat(100)}}`, 400, 'E_BODY_TOO_DEEP'],
        [
          JSON.stringify({ name: 'x', description: 'y'.repeat(2 * 1024 * 1024) }),
          413,
          'E_BODY_TOO_LARGE',
        ],
        ['{"nodes":[]}', 400, 'E_INVALID_BODY'],
      ];
      for (const [raw, status, code] of cases) {
        const res = await api.request('POST', '/workflows', {
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expect([res.status, res.body.code], code).toEqual([status, code]);
        expect(res.headers['content-type'], code).toMatch(/^application\/problem\+json/);
      }
      // A type the parser skips is left unread: the API reads it and refuses it itself.
      const text = await api.request('POST', '/workflows', {
        raw: '{"name":"x"}',
        headers: { 'content-type': 'text/plain' },
      });
      expect([text.status, text.body.code]).toEqual([415, 'E_UNSUPPORTED_MEDIA_TYPE']);
      expect(api.tableCounts()).toEqual(before);
    } finally {
      await api.close();
    }
  });
});

describe('Express mounting', () => {
  it("with fallthrough, passes paths it has no route for to the host's next handler", async () => {
    const store = createMemoryStore();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        fallthrough: true,
        auth: tokenAuth({ tokens: { 'host-token-0123456789': 'u' } }),
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
