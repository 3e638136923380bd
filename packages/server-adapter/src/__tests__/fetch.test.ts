import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyFetchHandler } from '../fetch';
import { createMemoryStore } from '../store/memoryStore';
import { createInlineQueue } from '../testing/inlineQueue';
import { describeApi } from './apiSuite';
import { makeHarnessFactory } from './harness';

describeApi('fetch', makeHarnessFactory('fetch'));

describe('fetch handler paths', () => {
  const store = createMemoryStore();
  const handler = createGalaxyFetchHandler({
    auth: tokenAuth({ tokens: { 'host-token-0123456789': 'u' } }),
    store,
    queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
    logger: pino({ level: 'silent' }),
    basePath: '/api/',
  });

  it('answers 404 problems outside its base path and for unknown routes', async () => {
    for (const url of [
      'http://h/elsewhere/health',
      'http://h/apiary/health',
      'http://h/api/nope',
    ]) {
      const res = await handler(new Request(url));
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await handler(new Request('http://h/api/health'))).status).toBe(200);
  });

  it("keeps the caller's request id on a 404 for a path no route knows", async () => {
    const res = await handler(
      new Request('http://h/api/no-such-route', { headers: { 'x-request-id': 'trace-unknown' } }),
    );
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-unknown');
    expect(await res.json()).toMatchObject({ status: 404, requestId: 'trace-unknown' });
  });

  it('answers 503 from /ready, and still 200 from /health (liveness), when the store is closed', async () => {
    await store.close();
    const res = await handler(new Request('http://h/api/ready'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { code: string }).code).toBe('E_UNAVAILABLE');
    expect((await handler(new Request('http://h/api/health'))).status).toBe(200);
  });
});
