import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createGalaxyFetchHandler } from '../fetch';
import { createMemoryStore } from '../store/memoryStore';
import { createInlineQueue } from '../testing/inlineQueue';

const TOKEN = 'paths-token-0123456789';

function options() {
  const store = createMemoryStore();
  return {
    auth: tokenAuth({ tokens: { [TOKEN]: 'user-paths' } }),
    store,
    queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
    logger: pino({ level: 'silent' }),
  };
}

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** Sends the request target byte for byte: no client-side normalisation of `..` or `//`. */
function raw(port: number, method: string, path: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the Express router owns its mount point', () => {
  let server: ReturnType<express.Express['listen']>;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.use('/api', createGalaxyRouter(options()));
    // What a host serves after the API: an SPA fallback. No API path may reach it.
    app.get('/{*path}', (_req, res) => {
      res.type('html').send('<!doctype html><title>editor</title>');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['/api/nope', '/api', '/api/', '/Api/Workflows', '/api//workflows', '/api/workflows//x'])(
    'GET %s answers a 404 problem, not the host page',
    async (path) => {
      const res = await raw(port, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'E_NOT_FOUND', status: 404 });
    },
  );

  it.each([
    ['POST', '/api/anything/%2e%2e/execute'],
    ['POST', '/api/anything/%2E%2E/execute'],
    ['POST', '/api/anything/../execute'],
    ['GET', '/api/workflows/./x'],
    ['GET', '/api/runs/%2e'],
  ])('%s %s (a dot segment) answers 400, never the route it resolves to', async (method, path) => {
    const res = await raw(port, method, path);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'E_INVALID_PATH' });
  });

  it('a path that does not decode answers a 400 problem without a stack or a server path', async () => {
    const res = await raw(port, 'GET', '/api/workflows/%ff%fe');
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'E_INVALID_PATH' });
    expect(res.text).not.toMatch(/URIError|\bat \w|node_modules|\/work\/|\.ts:\d/);
  });

  it('still answers its routes, with or without a trailing slash', async () => {
    expect((await raw(port, 'GET', '/api/workflows')).status).toBe(200);
    expect((await raw(port, 'GET', '/api/workflows/')).status).toBe(200);
  });
});

describe('the fetch handler', () => {
  const handler = createGalaxyFetchHandler({ ...options(), basePath: '/api' });

  it('answers unknown paths and empty segments with 404 problems', async () => {
    for (const path of ['/api/nope', '/api', '/api//workflows']) {
      const res = await handler(
        new Request(`http://h${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      );
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('refuses a path that does not decode with a 400 problem', async () => {
    const res = await handler(
      new Request('http://h/api/workflows/%ff%fe', {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'E_INVALID_PATH' });
  });
});
