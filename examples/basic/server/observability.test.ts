import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { startSentryRecorder } from '@galaxyflow/server-adapter/testing/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, rawRequest, startTestApp, TEST_TOKEN } from './testSupport';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

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
    // Nothing waits for a worker: the queue depth is read from the store at each scrape.
    expect(res.text).toMatch(/\ngalaxyflow_queue_depth 0\n/);
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
      const events = sentry.events();
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
      expect(event.contexts?.galaxyflow).toMatchObject({
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

/** A local OTLP/HTTP collector: it records the JSON body of every `POST /v1/traces`. */
async function startOtlpRecorder() {
  const exports: { path: string; contentType: string; body: OtlpTraces }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      exports.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        body: JSON.parse(raw.toString('utf8')),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

describe('traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  it("exports a run's spans to the collector, continuing the caller's trace", async () => {
    const collector = await startOtlpRecorder();
    const running = await startTestApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_SERVICE_NAME: 'galaxy-test',
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    try {
      const res = await fetch(`http://127.0.0.1:${running.port}/api/execute`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${callerSpanId}-01`,
        },
        body: JSON.stringify({
          nodes: [{ id: 'greeting', type: 'text', data: { text: 'Hello' } }],
          edges: [],
        }),
      });
      expect(res.status).toBe(202);
      const { runId } = (await res.json()) as { runId: string };
      for (let i = 0; i < 200; i++) {
        const run = await fetch(`http://127.0.0.1:${running.port}/api/runs/${runId}`, {
          headers: { authorization: `Bearer ${TEST_TOKEN}` },
        });
        if (((await run.json()) as { run: { finishedAt: number | null } }).run.finishedAt) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Closing the app flushes the spans still batched.
      await running.close();
      expect(collector.exports.map((e) => [e.path, e.contentType])).toContainEqual([
        '/v1/traces',
        'application/json',
      ]);
      const resources = collector.exports.flatMap((e) => e.body.resourceSpans);
      expect(resources[0]?.resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'galaxy-test' },
      });
      const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      const run = spans.find((s) => s.name === 'galaxyflow.run');
      expect(run).toMatchObject({ traceId, parentSpanId: callerSpanId });
      expect(run?.attributes).toContainEqual({
        key: 'galaxyflow.run.id',
        value: { stringValue: runId },
      });
      const node = spans.find((s) => s.name === 'galaxyflow.node');
      expect(node).toMatchObject({ traceId, parentSpanId: run?.spanId });
    } finally {
      await running.close();
      await collector.close();
    }
  });
});
