import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, rawRequest, startTestApp, TEST_TOKEN } from './testSupport';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** A local endpoint speaking Sentry's ingestion protocol: it records every envelope posted to it. */
async function startSentryRecorder() {
  const envelopes: { path: string; items: Record<string, unknown>[] }[] = [];
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
  const server: Server = createServer(async (req, res) => {
    let raw = await body(req);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    // An envelope is newline-separated JSON: a header, then item header / payload pairs.
    const lines = raw.toString('utf8').split('\n').filter(Boolean);
    envelopes.push({ path: req.url ?? '', items: lines.map((line) => JSON.parse(line)) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    envelopes,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('metrics at /api/metrics when METRICS_TOKEN is set', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(() => running.close());

  it('answers the metrics token with counts of what was asked, and nobody else', async () => {
    const asUser = { authorization: `Bearer ${TEST_TOKEN}` };
    expect((await rawRequest(running.port, 'GET', '/api/workflows', asUser)).status).toBe(200);
    expect((await rawRequest(running.port, 'GET', '/api/metrics', asUser)).status).toBe(401);
    expect((await rawRequest(running.port, 'GET', '/api/metrics')).status).toBe(401);
    const res = await rawRequest(running.port, 'GET', '/api/metrics', {
      authorization: `Bearer ${METRICS_TOKEN}`,
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /galaxyflow_http_request_duration_seconds_count\{route="\/workflows",method="GET",status="200"\} 1\n/,
    );
    // prom-client's process metrics come with it.
    expect(res.text).toContain('process_resident_memory_bytes');
  });
});

describe('without METRICS_TOKEN', () => {
  it('has no metrics route', async () => {
    const running = await startTestApp();
    try {
      const res = await rawRequest(running.port, 'GET', '/api/metrics', {
        authorization: `Bearer ${TEST_TOKEN}`,
      });
      expect(res.status).toBe(404);
    } finally {
      await running.close();
    }
  });
});

describe('error reporting to Sentry when SENTRY_DSN is set', () => {
  it('sends a server fault as a Sentry event with its code and route, through the real SDK', async () => {
    const sentry = await startSentryRecorder();
    const running = await startTestApp({ SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'test' });
    try {
      // The store goes away under the running app: the next request that reads it fails.
      await running.app.close(0);
      const res = await rawRequest(running.port, 'GET', '/api/workflows', {
        authorization: `Bearer ${TEST_TOKEN}`,
      });
      expect(res.status).toBe(500);
      const requestId = res.headers['x-request-id'];
      // A caller's mistake is not reported.
      expect((await rawRequest(running.port, 'GET', '/api/runs/nope')).status).toBe(401);
      const { default: Sentry } = await import('@sentry/node').then((m) => ({ default: m }));
      await Sentry.flush(5000);
      const events = sentry.envelopes.flatMap(({ items }) =>
        items.filter((item) =>
          Array.isArray((item as { exception?: { values?: unknown[] } }).exception?.values),
        ),
      ) as {
        exception: { values: { type: string; value: string }[] };
        tags: Record<string, string>;
        environment: string;
        contexts: { galaxyflow: Record<string, unknown> };
      }[];
      expect(events).toHaveLength(1);
      const [event] = events as [(typeof events)[number]];
      expect(sentry.envelopes[0]!.path).toMatch(/^\/api\/42\/envelope\/\?/);
      expect(event.environment).toBe('test');
      expect(event.tags).toMatchObject({
        kind: 'request',
        code: 'E_INTERNAL',
        route: '/workflows',
        status: '500',
      });
      expect(event.contexts.galaxyflow).toMatchObject({
        requestId,
        userId: 'alice',
        method: 'GET',
      });
      expect(event.exception.values.at(-1)!.value).toMatch(/database connection is not open/i);
    } finally {
      await running.close();
      await sentry.close();
    }
  });
});
