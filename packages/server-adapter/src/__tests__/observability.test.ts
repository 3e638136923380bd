import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { builtinNodes, createProviderSet, createRegistry, llmContext } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createPrometheusMetrics, type PrometheusMetrics } from '../metrics/index';
import type { ErrorContext } from '../observe';
import { createMemoryRateLimiter } from '../rateLimit';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { waitFor } from './fixtures/wait';

const ALICE_TOKEN = 'alice-token-0123456789';
const BOB_TOKEN = 'bob-token-0123456789';
const METRICS_TOKEN = 'scraper-token-0123456789';
const USER_LIMIT = 25;

/** One sample of a Prometheus exposition: its value when the labels given all match. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(match[3]);
    }
  }
  throw new Error(`No sample ${name} ${JSON.stringify(labels)} in:\n${exposition}`);
}

describe('observability: metrics and the onError hook over a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-observe-'));
  let stub: LLMStub;
  let store: GalaxyStore;
  let queue: InProcessQueue;
  let server: Server;
  let baseUrl: string;
  let metrics: PrometheusMetrics;
  const reported: { error: unknown; context: ErrorContext }[] = [];
  const logLines: Record<string, unknown>[] = [];
  /** Makes the next `listRuns` throw, as a store losing its database would. */
  let failListRuns = false;
  /** Makes the worker's writes fail, as a database that went away would. */
  let failProgress = false;
  let hookThrows = false;

  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${init.token ?? ALICE_TOKEN}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });

  beforeAll(async () => {
    stub = await startLLMStub();
    const server_ = (name: string, defaultModel: string) =>
      createOpenAICompatibleProvider({ baseUrl: stub.url, name, defaultModel });
    const providers = createProviderSet({
      providers: [server_('local', 'small-model'), server_('backup', 'big-model')],
      fallbacks: { local: ['backup'] },
      resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
    });
    const sqlite = createSqliteStore({ path: join(dir, 'observe.db') });
    store = new Proxy(sqlite, {
      get(target, key, receiver) {
        if (key === 'listRuns' && failListRuns) {
          return async () => {
            failListRuns = false;
            throw new Error('database disk image is malformed');
          };
        }
        if (
          failProgress &&
          (key === 'recordRunProgress' || key === 'recordNodeResult' || key === 'finishRun')
        ) {
          return async () => {
            throw new Error('connection to the database was lost');
          };
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const onError = (error: unknown, context: ErrorContext) => {
      reported.push({ error, context });
      if (hookThrows) throw new Error('the error tracker is down');
    };
    metrics = createPrometheusMetrics();
    // The worker runs an older deploy's node set: it no longer has `debug`.
    const workerRegistry = createRegistry(builtinNodes.filter((node) => node.type !== 'debug'));
    queue = createInProcessQueue({
      store,
      registry: workerRegistry,
      context: llmContext({ providers }),
      pollMs: 20,
      metrics,
      onError,
      logger,
    });
    await queue.start();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { [ALICE_TOKEN]: 'user-alice', [BOB_TOKEN]: 'user-bob' } }),
        store,
        queue,
        rateLimit: createMemoryRateLimiter({ default: { limit: USER_LIMIT, windowMs: 60_000 } }),
        logger,
        metrics,
        metricsToken: METRICS_TOKEN,
        onError,
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  afterAll(async () => {
    await queue.stop({ deadlineMs: 0 });
    await new Promise((done) => server.close(done));
    await store.close();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = {
    nodes: [
      { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
      { id: 'ask', type: 'llm', data: { provider: 'local' } },
    ],
    edges: [
      { id: 'e1', source: 'question', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
    ],
  };

  async function getRun(runId: string): Promise<{ status: string; finishedAt: number | null }> {
    return (
      (await (await api(`/runs/${runId}`)).json()) as {
        run: { status: string; finishedAt: number | null };
      }
    ).run;
  }

  async function runToEnd(workflow: unknown): Promise<{ id: string; status: string }> {
    const res = await api('/execute', { method: 'POST', body: JSON.stringify(workflow) });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    return waitFor(async () => {
      const run = await getRun(runId);
      return run.finishedAt ? { id: runId, status: run.status as string } : undefined;
    }, `run ${runId} to end`);
  }

  const scrape = async () => {
    const res = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('counts requests, runs, nodes, provider calls and tokens exactly, without user or run ids', async () => {
    stub.enqueue(
      { type: 'text', text: 'Rayleigh.', usage: { inputTokens: 9, outputTokens: 5 } },
      { type: 'error', status: 503, message: 'Overloaded', match: { model: 'small-model' } },
      { type: 'text', text: 'Scattering.', usage: { inputTokens: 4, outputTokens: 2 } },
    );
    const first = await runToEnd(ask);
    const second = await runToEnd(ask);
    expect([first.status, second.status]).toEqual(['SUCCESS', 'SUCCESS']);
    // A stream of a finished run replays it and ends.
    const events = await api(`/runs/${first.id}/events`);
    expect(events.status).toBe(200);
    expect(await events.text()).toContain('run:finish');
    expect((await api('/runs/no-such-run')).status).toBe(404);

    const text = await scrape();
    expect(sample(text, 'galaxyflow_runs_total', { status: 'SUCCESS' })).toBe(2);
    expect(sample(text, 'galaxyflow_run_duration_seconds_count', { status: 'SUCCESS' })).toBe(2);
    expect(sample(text, 'galaxyflow_queue_wait_seconds_count')).toBe(2);
    expect(sample(text, 'galaxyflow_nodes_total', { type: 'llm', status: 'SUCCESS' })).toBe(2);
    expect(sample(text, 'galaxyflow_nodes_total', { type: 'text', status: 'SUCCESS' })).toBe(2);
    expect(
      sample(text, 'galaxyflow_node_duration_seconds_count', { type: 'llm', status: 'SUCCESS' }),
    ).toBe(2);
    const calls = (provider: string, model: string, outcome: string) =>
      sample(text, 'galaxyflow_provider_requests_total', { provider, model, outcome });
    expect(calls('local', 'small-model', 'success')).toBe(1);
    expect(calls('local', 'small-model', 'error')).toBe(1);
    expect(calls('backup', 'big-model', 'success')).toBe(1);
    const tokens = (provider: string, direction: string) =>
      sample(text, 'galaxyflow_provider_tokens_total', { provider, direction });
    expect([tokens('local', 'input'), tokens('local', 'output')]).toEqual([9, 5]);
    expect([tokens('backup', 'input'), tokens('backup', 'output')]).toEqual([4, 2]);
    const requests = (route: string, method: string, status: string) =>
      sample(text, 'galaxyflow_http_request_duration_seconds_count', { route, method, status });
    expect(requests('/execute', 'POST', '202')).toBe(2);
    expect(requests('/runs/:id', 'GET', '404')).toBe(1);
    expect(requests('/runs/:id/events', 'GET', '200')).toBe(1);
    // The stream ended: none open.
    await waitFor(
      async () => sample(await scrape(), 'galaxyflow_event_streams_open') === 0,
      'the event stream to be counted closed',
    );
    // Labels name routes, never paths, users or runs.
    expect(text).not.toContain(first.id);
    expect(text).not.toContain('user-alice');
    expect(text).not.toContain('no-such-run');
    // No run failed for a fault of ours.
    expect(reported).toEqual([]);
  });

  it('counts rate-limit refusals by scope', async () => {
    let refused = 0;
    for (let i = 0; i < USER_LIMIT + 3; i++) {
      if ((await api('/workflows', { token: BOB_TOKEN })).status === 429) refused += 1;
    }
    expect(refused).toBe(3);
    expect(sample(await scrape(), 'galaxyflow_rate_limited_total', { scope: 'user' })).toBe(3);
  });

  it('reports a 5xx to onError with its cause and context, and a throwing hook changes nothing', async () => {
    failListRuns = true;
    hookThrows = true;
    const res = await api('/runs');
    hookThrows = false;
    expect(res.status).toBe(500);
    const problem = (await res.json()) as { code: string };
    expect(problem.code).toBe('E_INTERNAL');
    // The cause stays on the server.
    expect(JSON.stringify(problem)).not.toContain('malformed');
    expect(reported).toHaveLength(1);
    const [{ error, context }] = reported.splice(0) as [(typeof reported)[number]];
    expect((error as Error).message).toBe('database disk image is malformed');
    expect(context).toEqual({
      kind: 'request',
      requestId: res.headers.get('x-request-id'),
      method: 'GET',
      route: '/runs',
      status: 500,
      code: 'E_INTERNAL',
      userId: 'user-alice',
    });
    expect(logLines.some((line) => line.msg === 'the onError hook failed')).toBe(true);
    // Refusals of the caller's own mistakes are not faults.
    expect((await api('/workflows/nope')).status).toBe(404);
    expect((await api('/execute', { method: 'POST', body: '{' })).status).toBe(400);
    expect(reported).toEqual([]);
    expect(
      sample(await scrape(), 'galaxyflow_http_request_duration_seconds_count', {
        route: '/runs',
        method: 'GET',
        status: '500',
      }),
    ).toBe(1);
  });

  it('reports a run the worker cannot execute, and not a node that failed on its own', async () => {
    // The provider refuses: the node fails, which is a result, not a fault.
    stub.enqueue({
      type: 'error',
      status: 400,
      message: 'Bad prompt',
      match: { model: 'small-model' },
    });
    const refused = await runToEnd(ask);
    expect(refused.status).toBe('FAILED');
    expect(reported).toEqual([]);
    // The worker's node set lacks `debug`, which the API accepted.
    const orphan = await runToEnd({
      nodes: [
        { id: 'note', type: 'text', data: { text: 'hi' } },
        { id: 'show', type: 'debug', data: {} },
      ],
      edges: [
        { id: 'e1', source: 'note', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
      ],
    });
    expect(orphan.status).toBe('FAILED');
    expect(reported).toHaveLength(1);
    expect(reported[0]!.context).toEqual({
      kind: 'run',
      runId: orphan.id,
      userId: 'user-alice',
      workflowId: null,
      code: 'E_VALIDATION',
      workerId: queue.workerId,
    });
    // The error tracker gets the engine's error, naming what the worker lacks.
    expect(String((reported[0]!.error as Error).message)).toContain('debug');
    reported.length = 0;
    const text = await scrape();
    expect(sample(text, 'galaxyflow_runs_total', { status: 'FAILED' })).toBe(2);
  });

  it('reports a worker that cannot store a run, once, and the run is not counted as ended', async () => {
    failProgress = true;
    const res = await api('/execute', { method: 'POST', body: JSON.stringify(ask) });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    stub.enqueue({ type: 'text', text: 'Unheard.' });
    await waitFor(() => reported.length > 0, 'the fault to be reported');
    await waitFor(() => queue.activeRuns().length === 0, 'the worker to let the run go');
    failProgress = false;
    expect(reported.map(({ context }) => context)).toEqual([
      expect.objectContaining({ kind: 'run', runId, code: 'E_STORE_FAILED' }),
    ]);
    expect((reported[0]!.error as Error).message).toBe('connection to the database was lost');
    reported.length = 0;
    // Left to its lease: still RUNNING, not counted among ended runs.
    expect((await getRun(runId)).status).toBe('RUNNING');
    const text = await scrape();
    expect(sample(text, 'galaxyflow_runs_total', { status: 'FAILED' })).toBe(2);
    expect(sample(text, 'galaxyflow_runs_total', { status: 'SUCCESS' })).toBe(2);
  });

  it('serves /metrics only to the bearer of the metrics token', async () => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    const asUser = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${ALICE_TOKEN}` },
    });
    expect(asUser.status).toBe(401);
    expect(asUser.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('metrics options', () => {
  const base = {
    auth: tokenAuth({ tokens: { [ALICE_TOKEN]: 'user-alice' } }),
    store: {} as GalaxyStore,
    queue: { enqueue: async () => undefined, cancel: async () => undefined } as never,
  };

  it('refuses a short metrics token, and a token without metrics to serve', () => {
    expect(() =>
      createGalaxyRouter({ ...base, metrics: createPrometheusMetrics(), metricsToken: 'short' }),
    ).toThrow(/metricsToken.*at least 16/);
    expect(() => createGalaxyRouter({ ...base, metricsToken: METRICS_TOKEN })).toThrow(
      /needs `metrics` that can render/,
    );
  });

  it('keeps model labels bounded: past the cap, new models count as other', () => {
    const metrics = createPrometheusMetrics({ maxModels: 2 });
    for (const model of ['a', 'b', 'c', 'd']) {
      metrics.nodeFinished({
        type: 'llm',
        status: 'SUCCESS',
        seconds: 1,
        meta: { provider: 'p', model, attempts: 1 },
      });
    }
    return metrics.render().then(({ body }) => {
      const calls = (model: string) =>
        sample(body, 'galaxyflow_provider_requests_total', { model, outcome: 'success' });
      expect([calls('a'), calls('b'), calls('other')]).toEqual([1, 1, 2]);
      expect(body).not.toContain('model="c"');
    });
  });
});
