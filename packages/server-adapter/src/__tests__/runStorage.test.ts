import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB_TOKEN, type Harness, makeHarnessFactory } from './harness';

const makeHarness = makeHarnessFactory('fetch');
let api: Harness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** One Text node fanned out to `size - 1` Debug nodes: every node is instant, every Debug logs. */
function fanOut(size: number) {
  const debug = Array.from({ length: size - 1 }, (_, i) => `d${i}`);
  return {
    nodes: [
      { id: 't', type: 'text', data: { text: 'hi' } },
      ...debug.map((id) => ({ id, type: 'debug', data: {} })),
    ],
    edges: debug.map((id) => ({
      id: `e-${id}`,
      source: 't',
      sourceHandle: 'text',
      target: id,
      targetHandle: 'value',
    })),
  };
}

const small = fanOut(2);

async function finishedRun(harness: Harness, graph = small, token?: string): Promise<string> {
  const res = await harness.request('POST', '/execute', {
    json: graph,
    ...(token ? { token } : {}),
  });
  expect(res.status).toBe(202);
  await harness.queue.idle();
  return res.body.runId as string;
}

/** Reads every page of `/runs/:id/<list>` after `first`, as the client does. */
async function pagesAfter(
  harness: Harness,
  runId: string,
  list: 'nodes' | 'logs',
  next: string | null,
  // biome-ignore lint/suspicious/noExplicitAny: tests read records freely
): Promise<{ items: any[]; requests: number }> {
  // biome-ignore lint/suspicious/noExplicitAny: tests read records freely
  const items: any[] = [];
  let requests = 0;
  let cursor = next;
  while (cursor !== null) {
    const res = await harness.request('GET', `/runs/${runId}/${list}?after=${cursor}&limit=1000`);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.next;
    requests += 1;
  }
  return { items, requests };
}

describe('a 2,000-node run', () => {
  it('answers GET /runs/:id with a small first page, and its pages hold every node result and log line once', async () => {
    api = await makeHarness();
    const runId = await finishedRun(api, fanOut(2000));
    const whole = await api.store.getRunDetail(ALICE, runId);
    expect(whole?.run.status).toBe('SUCCESS');
    expect(whole?.nodeResults).toHaveLength(2000);
    // Every node result and log line at once, as the run detail used to answer.
    const wholeBytes = Buffer.byteLength(JSON.stringify(whole));
    expect(wholeBytes).toBeGreaterThan(1_000_000);

    const first = await api.request('GET', `/runs/${runId}`);
    expect(first.status).toBe(200);
    const firstBytes = Buffer.byteLength(first.text);
    // The graph, which the editor draws whole, and 100 node results and 100 log lines.
    const graphBytes = Buffer.byteLength(JSON.stringify(first.body.graph));
    expect(firstBytes - graphBytes).toBeLessThan(50_000);
    expect(firstBytes).toBeLessThan(wholeBytes / 3);
    expect(first.body.nodeResults).toHaveLength(100);
    expect(first.body.logs).toHaveLength(100);
    expect(first.body.graph.nodes).toHaveLength(2000);
    expect(first.headers['content-type']).toMatch(/^application\/json/);

    const nodes = await pagesAfter(api, runId, 'nodes', first.body.nodeResultsNext);
    const results = [...first.body.nodeResults, ...nodes.items];
    expect(results.map((r) => r.nodeId)).toEqual(whole?.nodeResults.map((r) => r.nodeId));
    expect(new Set(results.map((r) => r.nodeId)).size).toBe(2000);
    expect(results).toEqual(whole?.nodeResults);
    expect(nodes.requests).toBe(2);

    const logs = await pagesAfter(api, runId, 'logs', first.body.logsNext);
    const lines = [...first.body.logs, ...logs.items];
    expect(lines).toEqual(whole?.logs);
    expect(new Set(lines.map((l) => l.id)).size).toBe(whole?.logs.length);
    expect(lines.length).toBeGreaterThanOrEqual(1999);
  }, 120_000);
});

describe('run pages', () => {
  it('take the page size from `limit`, refuse cursors they did not give, and stay with the owner', async () => {
    api = await makeHarness({ limits: { runPageSize: 1, maxRunPageSize: 5 } });
    const runId = await finishedRun(api, fanOut(3));
    const first = await api.request('GET', `/runs/${runId}`);
    expect(first.body.nodeResults).toHaveLength(1);
    expect(first.body.nodeResultsNext).toEqual(expect.any(String));
    const all = await api.request('GET', `/runs/${runId}?limit=5`);
    expect(all.body.nodeResults).toHaveLength(3);
    expect(all.body.nodeResultsNext).toBeNull();
    expect(all.body.logsNext).toBeNull();
    const page = await api.request(
      'GET',
      `/runs/${runId}/nodes?after=${first.body.nodeResultsNext}&limit=2`,
    );
    expect(page.body.items.map((r: { nodeId: string }) => r.nodeId)).toEqual(
      all.body.nodeResults.slice(1).map((r: { nodeId: string }) => r.nodeId),
    );
    expect(page.body.next).toBeNull();

    for (const path of [
      `/runs/${runId}?limit=6`,
      `/runs/${runId}/nodes?limit=0`,
      `/runs/${runId}/logs?after=abc`,
      `/runs/${runId}/nodes?after=-1`,
    ]) {
      const res = await api.request('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.code).toBe('E_INVALID_QUERY');
    }
    for (const list of ['nodes', 'logs']) {
      const res = await api.request('GET', `/runs/${runId}/${list}`, { token: BOB_TOKEN });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('E_RUN_NOT_FOUND');
    }
  });
});

describe('storage caps', () => {
  it('refuse a run past maxStoredRunsPerUser with 409, writing nothing, until a run is deleted', async () => {
    api = await makeHarness({
      limits: { maxStoredRunsPerUser: 2 },
      retention: { olderThanMs: 30 * 24 * 60 * 60 * 1000 },
    });
    const firstRun = await finishedRun(api);
    await finishedRun(api);
    const before = api.tableCounts();
    const refused = await api.request('POST', '/execute', {
      json: small,
      headers: { 'idempotency-key': 'full' },
    });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('E_STORAGE_QUOTA_EXCEEDED');
    expect(refused.body.detail).toContain('You have 2 stored runs');
    expect(refused.body.detail).toContain('DELETE /runs/{id}');
    expect(refused.body.detail).toContain('30 days after they end');
    expect(api.tableCounts()).toEqual(before);

    // Another user's runs are theirs to count.
    expect((await api.request('POST', '/execute', { json: small, token: BOB_TOKEN })).status).toBe(
      202,
    );
    await api.queue.idle();

    const deleted = await api.request('DELETE', `/runs/${firstRun}`);
    expect(deleted.status).toBe(204);
    expect((await api.request('GET', `/runs/${firstRun}`)).status).toBe(404);
    expect(
      (
        await api.request('POST', '/execute', {
          json: small,
          headers: { 'idempotency-key': 'full' },
        })
      ).status,
    ).toBe(202);
  });

  it('refuse a workflow past maxWorkflowsPerUser with 409, saving nothing', async () => {
    api = await makeHarness({ limits: { maxWorkflowsPerUser: 1 } });
    const body = { name: 'W', ...small };
    expect((await api.request('POST', '/workflows', { json: body })).status).toBe(201);
    const before = api.tableCounts();
    const refused = await api.request('POST', '/workflows', { json: body });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('E_STORAGE_QUOTA_EXCEEDED');
    expect(refused.body.detail).toContain('DELETE /workflows/{id}');
    expect(api.tableCounts()).toEqual(before);
    expect((await api.request('POST', '/workflows', { json: body, token: BOB_TOKEN })).status).toBe(
      201,
    );
  });
});

describe('DELETE /runs/:id', () => {
  it('deletes a finished run with what it produced; refuses a queued one; hides other users’ runs', async () => {
    api = await makeHarness({ paused: true });
    const queued = await api.request('POST', '/execute', { json: small });
    const active = await api.request('DELETE', `/runs/${queued.body.runId}`);
    expect(active.status).toBe(409);
    expect(active.body.code).toBe('E_RUN_ACTIVE');
    expect(active.body.detail).toContain('QUEUED');
    api.queue.resume();
    await api.queue.idle();
    expect(
      (await api.request('DELETE', `/runs/${queued.body.runId}`, { token: BOB_TOKEN })).status,
    ).toBe(404);
    expect((await api.request('DELETE', `/runs/${queued.body.runId}`)).status).toBe(204);
    expect(api.tableCounts()).toMatchObject({
      runs: 0,
      node_results: 0,
      execution_logs: 0,
      run_events: 0,
    });
    expect((await api.request('DELETE', `/runs/${queued.body.runId}`)).status).toBe(404);
  });
});
