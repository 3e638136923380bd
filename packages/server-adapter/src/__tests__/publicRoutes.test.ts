import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter, type GalaxyRouterOptions } from '../express';
import { createMemoryRateLimiter } from '../rateLimit';
import { createMemoryStore } from '../store/memoryStore';
import { createInlineQueue } from '../testing/inlineQueue';

const TOKEN = 'public-token-0123456789';
let server: Server | undefined;
let lines: Record<string, unknown>[] = [];

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
  lines = [];
});

/** The router on a loopback port, behind a bare Node server with the given request timeout. */
async function serve(
  options: Partial<GalaxyRouterOptions> = {},
  requestTimeoutMs = 0,
): Promise<number> {
  const store = createMemoryStore();
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        callback();
      },
    }),
  );
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { [TOKEN]: 'user-public' } }),
      store,
      queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
      logger,
      ...options,
    }),
  );
  server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: 50,
    },
    app,
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('rate limit on public routes', () => {
  it('counts /health, /ready and /openapi.json per address and answers 429 past the limit', async () => {
    const port = await serve({
      publicRateLimit: createMemoryRateLimiter({ default: { limit: 3, windowMs: 60_000 } }),
    });
    const base = `http://127.0.0.1:${port}/api`;
    const statuses = [];
    for (const path of ['/health', '/ready', '/openapi.json', '/health']) {
      statuses.push((await fetch(`${base}${path}`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await fetch(`${base}/openapi.json`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'E_RATE_LIMITED' });
    // Signed-in routes count per user, not against the public allowance.
    const mine = await fetch(`${base}/workflows`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(mine.status).toBe(200);
  });

  it('is on by default: 60 a minute per address', async () => {
    const port = await serve();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 61; i++) {
      const { status } = await fetch(`http://127.0.0.1:${port}/api/health`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 60, 429: 1 });
  });

  it('can be left to the host', async () => {
    const port = await serve({ publicRateLimit: false });
    for (let i = 0; i < 70; i++) {
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    }
  });
});

/** Starts an upload with a valid token and sends part of its body, then `then` on the socket. */
function partialUpload(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    [
      'POST /api/workflows HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${TOKEN}`,
      'Content-Type: application/json',
      'Content-Length: 1000',
      '',
      '{"name":"slo',
    ].join('\r\n'),
  );
  let received = '';
  socket.on('data', (chunk) => {
    received += String(chunk);
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => {
    const started = performance.now();
    socket.on('close', () => resolve(performance.now() - started));
  });
  return { socket, closed, received: () => received };
}

async function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('clients that leave mid-upload', () => {
  const abortLine = () => lines.find((line) => line.msg === 'client aborted the request');

  it('are logged at info as client aborts, not as 500 errors', async () => {
    const port = await serve();
    const upload = partialUpload(port);
    await new Promise((resolve) => setTimeout(resolve, 100));
    upload.socket.destroy();
    await until(() => abortLine() !== undefined);
    expect(abortLine()).toMatchObject({ level: 30, status: 499, clientAbort: true });
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });

  it('a body that never finishes is cut off by the server request timeout, and logged the same way', async () => {
    const port = await serve({}, 400);
    const upload = partialUpload(port);
    const elapsed = await upload.closed;
    // Cut off near the timeout (checked every 50 ms), not left open.
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2000);
    expect(upload.received()).toMatch(/^HTTP\/1\.1 408/);
    await until(() => abortLine() !== undefined);
    expect(abortLine()).toMatchObject({ level: 30, clientAbort: true });
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});
