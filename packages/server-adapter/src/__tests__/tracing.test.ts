import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinNodes,
  createProviderSet,
  createRegistry,
  llmContext,
  traceparentOf,
} from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { waitFor } from './fixtures/wait';

const TOKEN = 'alice-token-0123456789';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = provider.getTracer('test');

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const byStart = (a: ReadableSpan, b: ReadableSpan) =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

describe('traces across the queue: the request that made a run is its span parent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-trace-'));
  let stub: LLMStub;
  let store: GalaxyStore;
  let queue: InProcessQueue | undefined;
  let server: Server;
  let baseUrl: string;
  /** Whether the app has HTTP instrumentation (a server span per request) or only receives `traceparent`. */
  let instrumented = true;

  beforeAll(async () => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
    stub = await startLLMStub();
    store = createSqliteStore({ path: join(dir, 'trace.db') });
    const app = express();
    // What a host's HTTP instrumentation does: a server span per request, continuing the caller's trace.
    app.use((req, _res, next) => {
      if (!instrumented) return next();
      const header = req.header('traceparent');
      const parent = header
        ? trace.setSpanContext(context.active(), remoteOf(header))
        : context.active();
      const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER }, parent);
      _res.on('finish', () => span.end());
      context.with(trace.setSpan(parent, span), next);
    });
    // The queue is not started yet: the run waits in the store, and the worker that claims it
    // later has nothing but the store to learn its trace from.
    queue = createInProcessQueue({
      store,
      registry: createRegistry(builtinNodes),
      context: llmContext({ providers: providers() }),
      pollMs: 20,
    });
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [TOKEN]: 'user-alice' } }),
        store,
        queue,
        logger: pino({ level: 'silent' }),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  afterAll(async () => {
    await queue?.stop({ deadlineMs: 0 });
    await new Promise((done) => server.close(done));
    await store.close();
    await stub.close();
    trace.disable();
    context.disable();
    propagation.disable();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    exporter.reset();
    stub.reset();
  });

  function remoteOf(header: string) {
    const [, traceId, spanId, flags] = header.split('-');
    return {
      traceId: traceId!,
      spanId: spanId!,
      traceFlags: Number.parseInt(flags!, 16),
      isRemote: true,
    };
  }

  function providers() {
    const server_ = (name: string, defaultModel: string) =>
      createOpenAICompatibleProvider({ baseUrl: stub.url, name, defaultModel });
    return createProviderSet({
      providers: [server_('local', 'small-model'), server_('backup', 'big-model')],
      fallbacks: { local: ['backup'] },
      resilience: { retry: { maxAttempts: 2, backoffMs: 1, jitter: false }, circuitBreaker: false },
    });
  }

  const workflow = {
    nodes: [
      { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
      { id: 'ask', type: 'llm', data: { provider: 'local' } },
    ],
    edges: [
      { id: 'e1', source: 'question', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
    ],
  };

  /** Posts the workflow as a traced client would, then lets the worker run it. */
  async function executeTraced(): Promise<{ runId: string; client: ReadableSpan }> {
    stub.enqueue(
      { type: 'error', status: 503, message: 'Overloaded', match: { model: 'small-model' } },
      { type: 'error', status: 503, message: 'Overloaded', match: { model: 'small-model' } },
      {
        type: 'text',
        text: 'Rayleigh.',
        usage: { inputTokens: 9, outputTokens: 5 },
        match: { model: 'big-model' },
      },
    );
    const client = tracer.startSpan(
      'client: run the workflow',
      { kind: SpanKind.CLIENT },
      context.active(),
    );
    const traceparent = traceparentOf(trace.setSpan(context.active(), client))!;
    const res = await fetch(`${baseUrl}/execute`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        traceparent,
      },
      body: JSON.stringify(workflow),
    });
    client.end();
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    await queue!.start();
    await waitFor(
      async () =>
        exporter
          .getFinishedSpans()
          .some((s) => s.name === 'galaxyflow.run' && s.attributes['galaxyflow.run.id'] === runId),
      `the span of run ${runId}`,
    );
    await queue!.stop({ deadlineMs: 1000 });
    queue = createInProcessQueue({
      store,
      registry: createRegistry(builtinNodes),
      context: llmContext({ providers: providers() }),
      pollMs: 20,
    });
    return {
      runId,
      client: exporter.getFinishedSpans().find((s) => s.name === 'client: run the workflow')!,
    };
  }

  it('request → run → nodes → provider calls, with one retry and one fallback', async () => {
    const { runId, client } = await executeTraced();
    const spans = exporter.getFinishedSpans();
    const [request] = childrenOf(spans, client);
    expect(request?.name).toBe('POST /api/execute');
    const [run] = childrenOf(spans, request!);
    expect(run?.name).toBe('galaxyflow.run');
    expect(run!.spanContext().traceId).toBe(client.spanContext().traceId);
    expect(run!.attributes).toMatchObject({
      'galaxyflow.run.id': runId,
      'galaxyflow.run.status': 'SUCCESS',
    });
    const nodes = childrenOf(spans, run!).sort(byStart);
    expect(nodes.map((s) => s.attributes['galaxyflow.node.id'])).toEqual(['question', 'ask']);
    const calls = childrenOf(spans, nodes[1]!).sort(byStart);
    expect(
      calls.map((s) => [
        s.attributes['gen_ai.system'],
        s.attributes['gen_ai.request.model'],
        s.attributes['galaxyflow.provider.attempt'],
        s.status.code,
      ]),
    ).toEqual([
      ['local', 'small-model', 1, SpanStatusCode.ERROR],
      ['local', 'small-model', 2, SpanStatusCode.ERROR],
      ['backup', 'big-model', 1, SpanStatusCode.UNSET],
    ]);
    expect(calls[2]!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 5,
      'galaxyflow.provider.fallback_from': ['local'],
    });
  });

  it("continues the caller's traceparent header when the host has no HTTP instrumentation", async () => {
    instrumented = false;
    try {
      const { client } = await executeTraced();
      const run = exporter.getFinishedSpans().find((s) => s.name === 'galaxyflow.run')!;
      expect(run.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
      expect(run.spanContext().traceId).toBe(client.spanContext().traceId);
    } finally {
      instrumented = true;
    }
  });
});
