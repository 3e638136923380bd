import { createProviderSet, llmContext } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryEventBus } from '../events';
import { createMemoryAuthFailureLimiter, createMemoryRateLimiter } from '../rateLimit';
import { waitFor } from './fixtures/wait';
import { ALICE, BOB, BOB_TOKEN, type Harness, type HarnessFactory } from './harness';

const graph = {
  nodes: [
    { id: 'a', type: 'text', data: { text: 'hello' }, position: { x: 0, y: 0 } },
    { id: 'b', type: 'debug', data: {}, position: { x: 200, y: 0 } },
  ],
  edges: [{ id: 'e1', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' }],
};

const cyclic = {
  nodes: [
    { id: 'x', type: 'debug', data: {} },
    { id: 'y', type: 'debug', data: {} },
  ],
  edges: [
    { id: 'e1', source: 'x', sourceHandle: 'value', target: 'y', targetHandle: 'value' },
    { id: 'e2', source: 'y', sourceHandle: 'value', target: 'x', targetHandle: 'value' },
  ],
};

/** The events of an SSE body, with their ids. */
// biome-ignore lint/suspicious/noExplicitAny: tests read event payloads freely
function parseSse(text: string): { id: number; data: any }[] {
  return text
    .split('\n\n')
    .map((block) => {
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return id === undefined || data === undefined
        ? undefined
        : { id: Number(id), data: JSON.parse(data) };
    })
    .filter((e) => e !== undefined);
}

/**
 * One suite, run against each binding: both must answer every request identically.
 */
export function describeApi(name: string, makeHarness: HarnessFactory): void {
  describe(`${name} binding`, () => {
    let api: Harness;
    beforeAll(async () => {
      // Every route's cases share one user and one minute: the default 100 would run out,
      // and the 401 cases alone fail more sign-ins than one address is allowed.
      api = await makeHarness({
        rateLimit: createMemoryRateLimiter({ default: { limit: 1000, windowMs: 60_000 } }),
        authFailureLimit: false,
      });
    });
    afterAll(() => api.close());

    async function createWorkflow(body: Record<string, unknown> = {}, token?: string) {
      const res = await api.request('POST', '/workflows', {
        json: { name: 'Greeting', ...graph, ...body },
        ...(token ? { token } : {}),
      });
      expect(res.status).toBe(201);
      return res.body as { id: string; version: number; name: string };
    }

    async function executeAndWait(body: unknown, headers: Record<string, string> = {}) {
      const res = await api.request('POST', '/execute', { json: body, headers });
      expect(res.status).toBe(202);
      await api.queue.idle();
      return res.body.runId as string;
    }

    it('GET /health and GET /ready answer 200 without credentials', async () => {
      const res = await api.request('GET', '/health', { token: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      const ready = await api.request('GET', '/ready', { token: null });
      expect([ready.status, ready.body]).toEqual([200, { status: 'ok' }]);
    });

    it('GET /providers answers an empty list when the host configured no providers', async () => {
      const res = await api.request('GET', '/providers');
      expect([res.status, res.body]).toEqual([200, { providers: [], defaultProvider: null }]);
    });

    it('GET /openapi.json documents every route', async () => {
      const res = await api.request('GET', '/openapi.json', { token: null });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(Object.keys(res.body.paths).sort()).toEqual([
        '/execute',
        '/health',
        '/openapi.json',
        '/providers',
        '/ready',
        '/runs',
        '/runs/{id}',
        '/runs/{id}/cancel',
        '/runs/{id}/events',
        '/runs/{id}/logs',
        '/runs/{id}/nodes',
        '/usage',
        '/workflows',
        '/workflows/{id}',
        '/workflows/{id}/versions',
        '/workflows/{id}/versions/{version}',
        '/workflows/{id}/versions/{version}/restore',
      ]);
      expect(
        res.body.paths['/workflows'].post.requestBody.content['application/json'].schema.required,
      ).toEqual(['name']);
      // Timestamps travel as epoch ms; a node result's and a log line's empty fields are absent.
      const ok = (path: string, method = 'get') =>
        res.body.paths[path][method].responses['200'].content['application/json'].schema;
      const run = ok('/runs/{id}').properties;
      expect(run.run.properties.createdAt).toMatchObject({ type: 'integer' });
      expect(run.run.properties.startedAt.anyOf).toContainEqual(
        expect.objectContaining({ type: 'integer' }),
      );
      const nodeResult = run.nodeResults.items;
      expect(nodeResult.properties.startedAt).toMatchObject({ type: 'integer' });
      expect(nodeResult.required).not.toContain('meta');
      expect(run.logs.items.properties).toHaveProperty('data');
      expect(run.logs.items.properties).not.toHaveProperty('metadata');
      expect(ok('/workflows/{id}').properties.updatedAt).toMatchObject({ type: 'integer' });
      expect(ok('/workflows/{id}').required).not.toContain('settings');
    });

    it('answers 401 without valid credentials, whatever identity headers say', async () => {
      const attempts: [string, string][] = [
        ['GET', '/workflows'],
        ['POST', '/workflows'],
        ['GET', '/workflows/x'],
        ['PUT', '/workflows/x'],
        ['DELETE', '/workflows/x'],
        ['GET', '/workflows/x/versions'],
        ['GET', '/workflows/x/versions/1'],
        ['POST', '/workflows/x/versions/1/restore'],
        ['POST', '/execute'],
        ['GET', '/runs'],
        ['GET', '/runs/x'],
        ['POST', '/runs/x/cancel'],
        ['GET', '/runs/x/events'],
      ];
      const before = api.tableCounts();
      for (const [method, path] of attempts) {
        for (const headers of [
          {},
          { 'x-user-id': ALICE },
          { 'x-forwarded-user': ALICE, 'x-forwarded-for': '127.0.0.1' },
          { authorization: 'Bearer wrong-token' },
          { authorization: `Basic ${Buffer.from(`${ALICE}:x`).toString('base64')}` },
        ]) {
          const res = await api.request(method, path, {
            token: null,
            headers,
            ...(method === 'POST' || method === 'PUT' ? { json: { name: 'x' } } : {}),
          });
          expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.headers['www-authenticate']).toBe('Bearer');
          expect(res.body.code).toBe('E_UNAUTHORIZED');
        }
      }
      expect(api.tableCounts()).toEqual(before);
    });

    it('creates the user on the first authenticated request', async () => {
      const before = api.userIds();
      expect(before).not.toContain(BOB);
      const res = await api.request('GET', '/runs', { token: BOB_TOKEN });
      expect(res.status).toBe(200);
      // Bob's row, and only Bob's: no one else is created on his behalf.
      expect(api.userIds()).toEqual([...before, BOB].sort());
      expect(await api.store.listRuns('user-bob', { page: 1, limit: 1 })).toMatchObject({
        total: 0,
      });
    });

    it('saves, reads, lists, edits and deletes a workflow, ignoring server-owned fields', async () => {
      const res = await api.request('POST', '/workflows', {
        json: {
          name: '  Summarize  ',
          description: 'News digest',
          tags: ['news'],
          ...graph,
          id: 'chosen-by-client',
          ownerId: 'user-bob',
          userId: 'user-bob',
          version: 42,
          createdAt: '2000-01-01T00:00:00.000Z',
        },
      });
      expect(res.status).toBe(201);
      const created = res.body;
      expect(created.id).not.toBe('chosen-by-client');
      expect(created).toMatchObject({
        name: 'Summarize',
        ownerId: ALICE,
        version: 1,
        tags: ['news'],
      });
      expect(created.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
      expect(created.createdAt).toEqual(expect.any(Number));
      expect(created.updatedAt).toBe(created.createdAt);
      expect(created).not.toHaveProperty('settings');
      expect(res.headers.etag).toBe('"1"');

      const got = await api.request('GET', `/workflows/${created.id}`);
      expect(got.status).toBe(200);
      expect(got.body.nodes).toEqual(graph.nodes);
      expect(got.body.edges).toEqual(graph.edges);

      const list = await api.request('GET', '/workflows?q=digest');
      expect(list.status).toBe(200);
      expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([created.id]);
      expect(list.body.items[0]).toMatchObject({ runCount: 0, lastRunStatus: null, nodeCount: 2 });

      const saved = await api.request('PUT', `/workflows/${created.id}`, {
        json: { name: 'Summarize v2', expectedVersion: 1, version: 99, ownerId: 'user-bob' },
      });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ name: 'Summarize v2', version: 2, ownerId: ALICE });
      expect(saved.body.nodes).toEqual(graph.nodes);
      expect(saved.headers.etag).toBe('"2"');
      expect(saved.body.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);

      // Settings are set by a save and cleared by saving `{}`; a save that names none keeps them.
      const tuned = await api.request('PUT', `/workflows/${created.id}`, {
        json: { settings: { failureMode: 'fail_safe' }, expectedVersion: 2 },
      });
      expect(tuned.body.settings).toEqual({ failureMode: 'fail_safe' });
      const kept = await api.request('PUT', `/workflows/${created.id}`, {
        json: { description: 'kept', expectedVersion: 3 },
      });
      expect(kept.body.settings).toEqual({ failureMode: 'fail_safe' });
      const cleared = await api.request('PUT', `/workflows/${created.id}`, {
        json: { settings: {}, expectedVersion: 4 },
      });
      expect(cleared.body.settings).toEqual({});

      const deleted = await api.request('DELETE', `/workflows/${created.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await api.request('GET', `/workflows/${created.id}`)).status).toBe(404);
      const after = await api.request('GET', '/workflows?limit=100');
      expect(after.body.items.map((w: { id: string }) => w.id)).not.toContain(created.id);
      expect((await api.request('DELETE', `/workflows/${created.id}`)).status).toBe(404);
    });

    it('refuses a stale save with 409 and a save that names no version with 428', async () => {
      const workflow = await createWorkflow({ name: 'Shared' });
      const first = await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { description: 'first' },
        headers: { 'if-match': '"1"' },
      });
      expect(first.status).toBe(200);
      const stale = await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { description: 'second', expectedVersion: 1 },
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'E_VERSION_CONFLICT', currentVersion: 2 });
      const staleHeader = await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { description: 'second' },
        headers: { 'if-match': '"1"' },
      });
      expect(staleHeader.status).toBe(409);
      const unguarded = await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { description: 'second' },
      });
      expect(unguarded.status).toBe(428);
      expect(unguarded.body.code).toBe('E_PRECONDITION_REQUIRED');
      const badHeader = await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { description: 'x' },
        headers: { 'if-match': 'W/"2"' },
      });
      expect(badHeader.status).toBe(400);
      const got = await api.request('GET', `/workflows/${workflow.id}`);
      expect(got.body).toMatchObject({ description: 'first', version: 2 });
    });

    it('keeps a snapshot per save and restores an old version as a new one', async () => {
      const workflow = await createWorkflow({ name: 'Versioned' });
      await api.request('PUT', `/workflows/${workflow.id}`, {
        json: { name: 'Versioned 2', nodes: [graph.nodes[0]], edges: [], expectedVersion: 1 },
      });
      const versions = await api.request('GET', `/workflows/${workflow.id}/versions`);
      expect(versions.status).toBe(200);
      expect(
        versions.body.items.map((v: { version: number; name: string }) => [v.version, v.name]),
      ).toEqual([
        [2, 'Versioned 2'],
        [1, 'Versioned'],
      ]);
      const v1 = await api.request('GET', `/workflows/${workflow.id}/versions/1`);
      expect(v1.status).toBe(200);
      expect(v1.body.edges).toEqual(graph.edges);
      expect((await api.request('GET', `/workflows/${workflow.id}/versions/7`)).body.code).toBe(
        'E_VERSION_NOT_FOUND',
      );
      expect((await api.request('GET', `/workflows/${workflow.id}/versions/abc`)).status).toBe(404);

      const stale = await api.request('POST', `/workflows/${workflow.id}/versions/1/restore`, {
        json: { expectedVersion: 1 },
      });
      expect(stale.status).toBe(409);
      const restored = await api.request('POST', `/workflows/${workflow.id}/versions/1/restore`);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ name: 'Versioned', version: 3 });
      expect(restored.body.edges).toEqual(graph.edges);
      const v3 = await api.request('GET', `/workflows/${workflow.id}/versions/3`);
      expect(v3.body.restoredFrom).toBe(1);
    });

    it('executes a saved workflow and shows the node results and logs of the run', async () => {
      const workflow = await createWorkflow({ name: 'Runnable' });
      const runId = await executeAndWait({ workflowId: workflow.id });
      const res = await api.request('GET', `/runs/${runId}`);
      expect(res.status).toBe(200);
      expect(res.body.run).toMatchObject({
        id: runId,
        status: 'SUCCESS',
        scope: 'FULL',
        workflowId: workflow.id,
        workflowVersion: 1,
        counts: { total: 2, success: 2, failed: 0, skipped: 0, canceled: 0 },
        externalId: `inline:${runId}`,
      });
      expect(res.body.run.durationMs).toBeGreaterThanOrEqual(0);
      expect(
        res.body.nodeResults.map((r: { nodeId: string; status: string }) => [r.nodeId, r.status]),
      ).toEqual([
        ['a', 'SUCCESS'],
        ['b', 'SUCCESS'],
      ]);
      expect(res.body.nodeResults[1].output).toEqual({ value: 'hello' });
      expect(
        res.body.logs.some(
          (l: { nodeId: string; message: string }) => l.nodeId === 'b' && l.message === 'hello',
        ),
      ).toBe(true);
      const list = await api.request('GET', '/workflows?q=Runnable');
      expect(list.body.items[0]).toMatchObject({ runCount: 1, lastRunStatus: 'SUCCESS' });
    });

    it('executes an unsaved graph, a partial run and an older version', async () => {
      const adHoc = await executeAndWait({ ...graph, targetNodeIds: ['a'] });
      const run = (await api.request('GET', `/runs/${adHoc}`)).body;
      expect(run.run).toMatchObject({
        scope: 'PARTIAL',
        targetNodeIds: ['a'],
        workflowId: null,
        status: 'SUCCESS',
      });
      expect(run.nodeResults.map((r: { nodeId: string }) => r.nodeId)).toEqual(['a']);
      expect(run.graph.nodes.map((n: { id: string }) => n.id)).toEqual(['a', 'b']);

      const workflow = await createWorkflow({ name: 'Old version' });
      await api.request('PUT', `/workflows/${workflow.id}`, {
        json: {
          nodes: [{ id: 'a', type: 'text', data: { text: 'v2' } }],
          edges: [],
          expectedVersion: 1,
        },
      });
      const old = await executeAndWait({ workflowId: workflow.id, version: 1 });
      const oldRun = (await api.request('GET', `/runs/${old}`)).body;
      expect(oldRun.run.workflowVersion).toBe(1);
      expect(oldRun.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'a').output).toEqual({
        text: 'hello',
      });
      const missing = await api.request('POST', '/execute', {
        json: { workflowId: workflow.id, version: 9 },
      });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('E_VERSION_NOT_FOUND');
    });

    it('refuses an invalid workflow with 422 and the engine issue codes, creating no run', async () => {
      const before = api.tableCounts();
      const res = await api.request('POST', '/execute', { json: cyclic });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('E_INVALID_WORKFLOW');
      expect(res.body.issues.map((i: { code: string }) => i.code)).toContain('E_CYCLE');
      const unknown = await api.request('POST', '/execute', {
        json: { nodes: [{ id: 'n', type: 'no-such-type' }], edges: [] },
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.issues[0]).toMatchObject({ code: 'E_UNKNOWN_NODE_TYPE', nodeId: 'n' });
      const target = await api.request('POST', '/execute', {
        json: { ...graph, targetNodeIds: ['zz'] },
      });
      expect(target.status).toBe(422);
      expect(target.body.issues.map((i: { code: string }) => i.code)).toContain('E_UNKNOWN_TARGET');
      expect(api.tableCounts()).toEqual(before);
    });

    it('refuses with 422 a model id that would leave the provider route, naming the node', async () => {
      const res = await api.request('POST', '/execute', {
        json: {
          nodes: [
            { id: 'q', type: 'text', data: { text: 'hi' } },
            {
              id: 'ask',
              type: 'llm',
              data: { provider: 'gemini', model: '../../../../internal/admin?x=' },
            },
          ],
          edges: [
            { id: 'e', source: 'q', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
          ],
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.issues).toContainEqual(
        expect.objectContaining({
          code: 'E_INVALID_DATA',
          nodeId: 'ask',
          path: ['nodes', 1, 'data', 'model'],
        }),
      );
    });

    it('answers 400 with the schema issues for a malformed body', async () => {
      const before = api.tableCounts();
      const noName = await api.request('POST', '/workflows', { json: { nodes: [] } });
      expect(noName.status).toBe(400);
      expect(noName.body.code).toBe('E_INVALID_BODY');
      expect(noName.body.issues).toContainEqual(
        expect.objectContaining({ code: 'invalid_type', path: ['name'] }),
      );
      const badNode = await api.request('POST', '/workflows', {
        json: { name: 'x', nodes: [{ id: '', type: 'text' }] },
      });
      expect(badNode.status).toBe(400);
      expect(badNode.body.issues[0].path).toEqual(['nodes', 0, 'id']);
      const badExecute = await api.request('POST', '/execute', {
        json: { nodes: 'nope', edges: [] },
      });
      expect(badExecute.status).toBe(400);
      const array = await api.request('POST', '/workflows', { json: [1, 2] });
      expect(array.status).toBe(400);
      expect(api.tableCounts()).toEqual(before);
    });

    it('refuses hostile bodies with 4xx and changes nothing', async () => {
      const workflow = await createWorkflow({ name: 'Target' });
      const before = api.tableCounts();
      const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      const deepArray = `{"name":"x","nodes":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      const cases: [string, string, RequestInit & { raw: string; contentType?: string }][] = [
        ['proto', 'POST /workflows', { raw: '{"name":"x","__proto__":{"polluted":true}}' }],
        [
          'nested proto',
          'POST /workflows',
          {
            raw: '{"name":"x","nodes":[{"id":"a","type":"text","data":{"__proto__":{"polluted":true}}}]}',
          },
        ],
        [
          'proto on execute',
          'POST /execute',
          { raw: '{"nodes":[],"edges":[],"__proto__":{"x":1}}' },
        ],
        ['10k-deep object', 'POST /workflows', { raw: deep }],
        ['10k-deep array', 'POST /workflows', { raw: deepArray }],
        ['NaN', 'POST /workflows', { raw: '{"name":NaN}' }],
        [
          'NaN position',
          'POST /workflows',
          { raw: '{"name":"x","nodes":[{"id":"a","type":"t","position":{"x":NaN,"y":0}}]}' },
        ],
        ['huge name', 'POST /workflows', { raw: JSON.stringify({ name: 'x'.repeat(900_000) }) }],
        ['truncated', 'POST /workflows', { raw: '{"name":"x"' }],
        ['text/plain', 'POST /workflows', { raw: '{"name":"x"}', contentType: 'text/plain' }],
        [
          'form',
          'POST /workflows',
          { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' },
        ],
        [
          'latin1 charset',
          'POST /workflows',
          { raw: '{"name":"x"}', contentType: 'application/json; charset=latin1' },
        ],
        ['empty body', 'POST /workflows', { raw: '' }],
        [
          'proto on save',
          `PUT /workflows/${workflow.id}`,
          { raw: '{"expectedVersion":1,"__proto__":{"name":"p"}}' },
        ],
        [
          'text on execute',
          'POST /execute',
          { raw: JSON.stringify(graph), contentType: 'text/plain' },
        ],
      ];
      for (const [label, route, { raw, contentType }] of cases) {
        const [method, path] = route.split(' ') as [string, string];
        const res = await api.request(method, path, {
          raw,
          headers: { 'content-type': contentType ?? 'application/json' },
        });
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        expect(res.headers['content-type'], label).toMatch(/^application\/problem\+json/);
        expect(res.text, label).not.toMatch(/at .*\.ts:\d+/);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(api.tableCounts()).toEqual(before);
      expect((await api.request('GET', `/workflows/${workflow.id}`)).body.version).toBe(1);
    });

    it('answers 413 for a body over the limit and 415/400 codes that say why', async () => {
      const before = api.tableCounts();
      const big = JSON.stringify({ name: 'x', description: 'y'.repeat(2 * 1024 * 1024) });
      const res = await api.request('POST', '/workflows', {
        raw: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('E_BODY_TOO_LARGE');
      const codes = await Promise.all([
        api.request('POST', '/workflows', {
          raw: '{"name":"x"}',
          headers: { 'content-type': 'text/plain' },
        }),
        api.request('POST', '/workflows', {
          raw: '{"__proto__":1}',
          headers: { 'content-type': 'application/json' },
        }),
        api.request('POST', '/workflows', {
          raw: '{"name":NaN}',
          headers: { 'content-type': 'application/json' },
        }),
        api.request('POST', '/workflows', {
          raw: `${'['.repeat(100)}${']'.repeat(100)}`,
          headers: { 'content-type': 'application/json' },
        }),
      ]);
      expect(codes.map((r) => [r.status, r.body.code])).toEqual([
        [415, 'E_UNSUPPORTED_MEDIA_TYPE'],
        [400, 'E_FORBIDDEN_KEY'],
        [400, 'E_MALFORMED_JSON'],
        [400, 'E_BODY_TOO_DEEP'],
      ]);
      expect(api.tableCounts()).toEqual(before);
    });

    it("answers 404 for another user's workflow or run on every id route", async () => {
      const workflow = await createWorkflow({ name: 'Private' });
      const runId = await executeAndWait({ workflowId: workflow.id });
      const before = api.tableCounts();
      const attempts: [string, string, unknown?][] = [
        ['GET', `/workflows/${workflow.id}`],
        ['PUT', `/workflows/${workflow.id}`, { name: 'mine now', expectedVersion: 1 }],
        ['DELETE', `/workflows/${workflow.id}`],
        ['GET', `/workflows/${workflow.id}/versions`],
        ['GET', `/workflows/${workflow.id}/versions/1`],
        ['POST', `/workflows/${workflow.id}/versions/1/restore`, {}],
        ['POST', '/execute', { workflowId: workflow.id }],
        ['POST', '/execute', { ...graph, reuseRunId: runId }],
        ['GET', `/runs/${runId}`],
        ['POST', `/runs/${runId}/cancel`],
        ['GET', `/runs/${runId}/events`],
      ];
      for (const [method, path, json] of attempts) {
        const res = await api.request(method, path, {
          token: BOB_TOKEN,
          ...(json === undefined ? {} : { json }),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.text).not.toContain('Private');
        // Same answer as for an id that never existed: nothing to tell them apart.
        const ghost = await api.request(
          method,
          path.replace(workflow.id, 'no-such-id').replace(runId, 'no-such-id'),
          {
            token: BOB_TOKEN,
            ...(json === undefined
              ? {}
              : {
                  json: JSON.parse(
                    JSON.stringify(json)
                      .replace(runId, 'no-such-id')
                      .replace(workflow.id, 'no-such-id'),
                  ),
                }),
          },
        );
        expect(ghost.body.code, `${method} ${path}`).toBe(res.body.code);
      }
      const bobsRuns = await api.request('GET', `/runs?workflowId=${workflow.id}`, {
        token: BOB_TOKEN,
      });
      expect(bobsRuns.body.items).toEqual([]);
      const bobsWorkflows = await api.request('GET', '/workflows?q=Private', { token: BOB_TOKEN });
      expect(bobsWorkflows.body.items).toEqual([]);
      expect(api.tableCounts()).toEqual({ ...before, users: api.tableCounts().users });
      expect((await api.request('GET', `/workflows/${workflow.id}`)).body.name).toBe('Private');
    });

    it('honours Idempotency-Key: same key and body, same run; other body, 409', async () => {
      const key = `key-${api.binding}-1`;
      const body = { ...graph, targetNodeIds: ['b'] };
      const first = await api.request('POST', '/execute', {
        json: body,
        headers: { 'idempotency-key': key },
      });
      const again = await api.request('POST', '/execute', {
        // Same content, keys in another order: still the same request.
        json: { targetNodeIds: ['b'], edges: graph.edges, nodes: graph.nodes },
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body.runId).toBe(first.body.runId);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const other = await api.request('POST', '/execute', {
        json: graph,
        headers: { 'idempotency-key': key },
      });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('E_IDEMPOTENCY_CONFLICT');
      const bobs = await api.request('POST', '/execute', {
        json: body,
        token: BOB_TOKEN,
        headers: { 'idempotency-key': key },
      });
      expect(bobs.status).toBe(202);
      expect(bobs.body.runId).not.toBe(first.body.runId);
      const bad = await api.request('POST', '/execute', {
        json: body,
        headers: { 'idempotency-key': 'with space' },
      });
      expect(bad.status).toBe(400);
      await api.queue.idle();
      const runs = await api.request('GET', '/runs?limit=100');
      expect(runs.body.items.filter((r: { id: string }) => r.id === first.body.runId)).toHaveLength(
        1,
      );
      expect(api.queue.enqueued.filter((id) => id === first.body.runId)).toHaveLength(1);
    });

    it('answers a retried Idempotency-Key before validating, even after the workflow is gone', async () => {
      const workflow = await createWorkflow({ name: 'Retried' });
      const key = `key-${api.binding}-retry`;
      const first = await api.request('POST', '/execute', {
        json: { workflowId: workflow.id },
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(202);
      await api.queue.idle();
      expect((await api.request('DELETE', `/workflows/${workflow.id}`)).status).toBe(204);
      // The response to the first request was lost; the client retries it as is.
      const retry = await api.request('POST', '/execute', {
        json: { workflowId: workflow.id },
        headers: { 'idempotency-key': key },
      });
      expect(retry.status).toBe(202);
      expect(retry.body.runId).toBe(first.body.runId);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      // Another body with the key is a conflict, whatever else is wrong with it.
      const other = await api.request('POST', '/execute', {
        json: cyclic,
        headers: { 'idempotency-key': key },
      });
      expect([other.status, other.body.code]).toEqual([409, 'E_IDEMPOTENCY_CONFLICT']);
      expect(api.queue.enqueued.filter((id) => id === first.body.runId)).toHaveLength(1);
    });

    it('pages and filters runs, and refuses out-of-range paging', async () => {
      const workflow = await createWorkflow({ name: 'Paged' });
      for (let i = 0; i < 3; i++) await executeAndWait({ workflowId: workflow.id });
      const page1 = await api.request('GET', `/runs?workflowId=${workflow.id}&limit=2`);
      expect(page1.body).toMatchObject({ page: 1, limit: 2, total: 3 });
      expect(page1.body.items).toHaveLength(2);
      const page2 = await api.request('GET', `/runs?workflowId=${workflow.id}&limit=2&page=2`);
      expect(page2.body.items).toHaveLength(1);
      const ids = [...page1.body.items, ...page2.body.items].map((r: { id: string }) => r.id);
      expect(new Set(ids).size).toBe(3);
      const beyond = await api.request('GET', `/runs?workflowId=${workflow.id}&limit=2&page=50`);
      expect(beyond.body).toMatchObject({ items: [], total: 3 });
      const success = await api.request('GET', `/runs?workflowId=${workflow.id}&status=SUCCESS`);
      expect(success.body.total).toBe(3);
      const failed = await api.request('GET', `/runs?workflowId=${workflow.id}&status=FAILED`);
      expect(failed.body.total).toBe(0);
      for (const query of [
        'limit=0',
        'limit=101',
        'page=0',
        'page=-1',
        'limit=abc',
        'status=DONE',
      ]) {
        const res = await api.request('GET', `/runs?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.code).toBe('E_INVALID_QUERY');
      }
      expect((await api.request('GET', '/workflows?limit=101')).status).toBe(400);
      expect((await api.request('GET', '/workflows?limit=100')).status).toBe(200);
    });

    it('replays a finished run as an event stream, from Last-Event-ID on, then answers 204', async () => {
      const runId = await executeAndWait(graph);
      const res = await api.request('GET', `/runs/${runId}/events`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      const events = parseSse(res.text);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]?.data.type).toBe('run:start');
      expect(events.at(-1)?.data).toMatchObject({ type: 'run:finish', status: 'SUCCESS' });
      const finishes = events.filter((e) => e.data.type === 'node:finish');
      expect(finishes.map((e) => e.data.nodeId)).toEqual(['a', 'b']);

      const resumed = await api.request('GET', `/runs/${runId}/events`, {
        headers: { 'last-event-id': '2' },
      });
      expect(parseSse(resumed.text).map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
      const byQuery = await api.request('GET', `/runs/${runId}/events?lastEventId=2`);
      expect(parseSse(byQuery.text).map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
      const done = await api.request('GET', `/runs/${runId}/events`, {
        headers: { 'last-event-id': String(events.length) },
      });
      expect(done.status).toBe(204);
      const bad = await api.request('GET', `/runs/${runId}/events`, {
        headers: { 'last-event-id': 'abc' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('E_INVALID_HEADER');
    });

    it('cancels a finished run with 409 and answers 405 for a wrong method', async () => {
      const runId = await executeAndWait(graph);
      const res = await api.request('POST', `/runs/${runId}/cancel`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('E_RUN_FINISHED');
      const wrong = await api.request('DELETE', '/runs');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toBe('GET');
    });

    it('echoes a request id and logs one line per request with it', async () => {
      const res = await api.request('GET', '/runs', { headers: { 'x-request-id': 'trace-123' } });
      expect(res.headers['x-request-id']).toBe('trace-123');
      const line = api.logLines().find((l) => l.requestId === 'trace-123');
      expect(line).toMatchObject({ method: 'GET', route: '/runs', status: 200, userId: ALICE });
      const hostile = await api.request('GET', '/runs', {
        headers: { 'x-request-id': 'bad id <script>' },
      });
      expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const problem = await api.request('GET', '/runs/nope', {
        headers: { 'x-request-id': 'trace-404' },
      });
      expect(problem.body).toMatchObject({
        type: 'urn:galaxyflow:problem:E_RUN_NOT_FOUND',
        status: 404,
        requestId: 'trace-404',
        instance: '/runs/nope',
      });
    });
  });

  describe(`${name} binding with a paused queue`, () => {
    let api: Harness;
    beforeAll(async () => {
      api = await makeHarness({ paused: true });
    });
    afterAll(() => api.close());

    it('cancels a queued run at once and keeps it canceled', async () => {
      const queued = await api.request('POST', '/execute', { json: graph });
      const runId = queued.body.runId as string;
      expect((await api.request('GET', `/runs/${runId}`)).body.run.status).toBe('QUEUED');
      const res = await api.request('POST', `/runs/${runId}/cancel`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: runId, status: 'CANCELED' });
      expect((await api.request('POST', `/runs/${runId}/cancel`)).status).toBe(200);
      api.queue.resume();
      await api.queue.idle();
      const after = await api.request('GET', `/runs/${runId}`);
      expect(after.body.run.status).toBe('CANCELED');
      expect(after.body.nodeResults).toEqual([]);
      expect((await api.request('GET', '/runs?status=CANCELED')).body.total).toBe(1);
      const stream = parseSse((await api.request('GET', `/runs/${runId}/events`)).text);
      expect(stream.map((e) => [e.id, e.data.type, e.data.status])).toEqual([
        [1, 'run:finish', 'CANCELED'],
      ]);
    });
  });

  describe(`${name} binding with a worker that handed a run back`, () => {
    let api: Harness;
    beforeAll(async () => {
      api = await makeHarness({ paused: true });
    });
    afterAll(() => api.close());

    it('cancels a run handed back mid-run and ends its open streams at once', async () => {
      const queued = await api.request('POST', '/execute', { json: graph });
      const runId = queued.body.runId as string;
      // A worker ran node a, started b, then handed the run back on a graceful stop.
      expect(await api.store.claimRun({ workerId: 'deploy', leaseMs: 60_000, runId })).toBeTruthy();
      const at = Date.now();
      const result = { attempts: 1, startedAt: at };
      await api.store.recordRunProgress(runId, 'deploy', {
        nodeResults: [
          { ...result, nodeId: 'a', status: 'SUCCESS', output: { text: 'hello' }, finishedAt: at },
          { ...result, nodeId: 'b', status: 'RUNNING' },
        ],
        events: [{ type: 'run:start', runId, at: Date.now(), nodeIds: ['a', 'b'] }],
      });
      expect(await api.store.releaseRun(runId, 'deploy')).toBe(true);
      const bus = api.queue.events as MemoryEventBus;
      const streamed = api.request('GET', `/runs/${runId}/events`);
      await waitFor(() => bus.listenerCount(runId) > 0, 'the stream to subscribe');
      const opened = Date.now();
      const res = await api.request('POST', `/runs/${runId}/cancel`);
      expect([res.status, res.body.status]).toEqual([200, 'CANCELED']);
      // Without a worker to publish it, the router must: else the stream waits for its heartbeat.
      const stream = parseSse((await streamed).text);
      expect(Date.now() - opened).toBeLessThan(2000);
      expect(stream.map((e) => [e.id, e.data.type, e.data.status])).toEqual([
        [1, 'run:start', undefined],
        [2, 'run:finish', 'CANCELED'],
      ]);
      const detail = (await api.request('GET', `/runs/${runId}`)).body;
      expect(detail.run).toMatchObject({
        status: 'CANCELED',
        counts: { total: 2, success: 1, failed: 0, skipped: 0, canceled: 1 },
      });
      expect(detail.run.durationMs).toBeGreaterThanOrEqual(0);
      expect(detail.nodeResults.map((r: { status: string }) => r.status)).toEqual([
        'SUCCESS',
        'CANCELED',
      ]);
    });
  });

  describe(`${name} binding with a queue that refuses work`, () => {
    let api: Harness;
    beforeAll(async () => {
      api = await makeHarness({
        queue: {
          async enqueue() {
            throw new Error('the job system is down');
          },
          async cancel() {},
          async start() {},
          async stop() {},
        },
      });
    });
    afterAll(() => api.close());

    it('answers 503, ends the run FAILED saying why, and lets a retry with the key try again', async () => {
      const key = `key-${api.binding}-down`;
      const first = await api.request('POST', '/execute', {
        json: graph,
        headers: { 'idempotency-key': key },
      });
      expect([first.status, first.body.code]).toEqual([503, 'E_UNAVAILABLE']);
      expect(first.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(first.headers['retry-after']).toBe('5');
      const runs = (await api.request('GET', '/runs')).body.items;
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'FAILED', error: { code: 'E_ENQUEUE_FAILED' } });
      // Not a replay of the dead run: the retry makes a new one, which also fails to queue.
      const retry = await api.request('POST', '/execute', {
        json: graph,
        headers: { 'idempotency-key': key },
      });
      expect([retry.status, retry.body.code]).toEqual([503, 'E_UNAVAILABLE']);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(api.tableCounts().idempotency_keys).toBe(0);
      expect((await api.request('GET', '/runs?status=CANCELED')).body.total).toBe(0);
    });
  });

  describe(`${name} binding with a failed sign-in limit behind a proxy`, () => {
    let api: Harness;
    let clock = 0;
    beforeAll(async () => {
      api = await makeHarness({
        authFailureLimit: createMemoryAuthFailureLimiter({
          limit: 3,
          windowMs: 60_000,
          now: () => clock,
        }),
        trustProxy: true,
      });
    });
    afterAll(() => api.close());

    it('answers 429 to an address that keeps failing to sign in, without locking out valid users behind it', async () => {
      const shared = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' };
      const statuses: number[] = [];
      for (const token of ['guess-1', 'guess-2', 'guess-3', 'guess-4']) {
        statuses.push((await api.request('GET', '/runs', { token, headers: shared })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const blocked = await api.request('GET', '/runs', { token: 'guess-5', headers: shared });
      expect([blocked.status, blocked.body.code]).toEqual([429, 'E_RATE_LIMITED']);
      expect(blocked.headers['retry-after']).toBe('20');
      expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
      // The same address may be a proxy or an office NAT: a valid token still gets in.
      expect((await api.request('GET', '/runs', { headers: shared })).status).toBe(200);
      // Another address, and routes without credentials, are not affected.
      const neighbour = { 'x-forwarded-for': '203.0.113.8' };
      expect(
        (await api.request('GET', '/runs', { token: 'guess-6', headers: neighbour })).status,
      ).toBe(401);
      expect((await api.request('GET', '/health', { token: null, headers: shared })).status).toBe(
        200,
      );
      clock += 20_000;
      expect(
        (await api.request('GET', '/runs', { token: 'guess-7', headers: shared })).status,
      ).toBe(401);
    });
  });

  describe(`${name} binding with a tight rate limit`, () => {
    let api: Harness;
    let clock = 0;
    beforeAll(async () => {
      api = await makeHarness({
        rateLimit: createMemoryRateLimiter({
          default: { limit: 3, windowMs: 60_000 },
          routes: { 'POST /execute': { limit: 1, windowMs: 60_000 } },
          now: () => clock,
        }),
      });
    });
    afterAll(() => api.close());

    it('answers 429 with Retry-After and RateLimit headers, per user, and recovers', async () => {
      const statuses: number[] = [];
      let last = await api.request('GET', '/runs');
      expect(last.headers['ratelimit-limit']).toBe('3');
      expect(last.headers['ratelimit-remaining']).toBe('2');
      statuses.push(last.status);
      for (let i = 0; i < 3; i++) {
        last = await api.request('GET', '/workflows');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last.body.code).toBe('E_RATE_LIMITED');
      expect(last.headers['retry-after']).toBe('20');
      expect(last.headers['ratelimit-remaining']).toBe('0');
      expect(last.headers['ratelimit-policy']).toBe('3;w=60');
      expect((await api.request('GET', '/runs', { token: BOB_TOKEN })).status).toBe(200);
      // Execute has its own bucket.
      expect((await api.request('POST', '/execute', { json: graph })).status).toBe(202);
      const second = await api.request('POST', '/execute', { json: graph });
      expect(second.status).toBe(429);
      expect(second.headers['retry-after']).toBe('60');
      clock += 20_000;
      expect((await api.request('GET', '/runs')).status).toBe(200);
      expect((await api.request('GET', '/health', { token: null })).status).toBe(200);
      await api.queue.idle();
    });
  });

  describe(`${name} binding with LLM providers`, () => {
    let api: Harness;
    let stub: LLMStub;
    beforeAll(async () => {
      stub = await startLLMStub();
      // Two OpenAI-compatible servers (plain fetch, no SDK) on the stub: `local` falls back to `backup`.
      const server = (provider: string, defaultModel: string) =>
        createOpenAICompatibleProvider({ baseUrl: stub.url, name: provider, defaultModel });
      const providers = createProviderSet({
        providers: [server('local', 'small-model'), server('backup', 'big-model')],
        fallbacks: { local: ['backup'] },
        resilience: { retry: { maxAttempts: 1 }, circuitBreaker: false },
      });
      api = await makeHarness({ context: llmContext({ providers }), providers });
    });
    afterAll(async () => {
      await api.close();
      await stub.close();
    });

    async function executeAndWait(body: unknown) {
      const res = await api.request('POST', '/execute', { json: body });
      expect(res.status).toBe(202);
      await api.queue.idle();
      return res.body.runId as string;
    }

    const ask = {
      nodes: [
        { id: 'question', type: 'text', data: { text: 'Why is the sky blue?' } },
        { id: 'ask', type: 'llm', data: { provider: 'local' } },
      ],
      edges: [
        {
          id: 'e1',
          source: 'question',
          sourceHandle: 'text',
          target: 'ask',
          targetHandle: 'prompt',
        },
      ],
    };

    it('GET /providers lists the configured providers and the default, nothing secret, to signed-in users only', async () => {
      const res = await api.request('GET', '/providers');
      expect(res.status).toBe(200);
      expect(res.body.defaultProvider).toBe('local');
      expect(
        res.body.providers.map((p: { name: string; models: string[]; default: boolean }) => [
          p.name,
          p.models[0],
          p.default,
        ]),
      ).toEqual([
        ['local', 'small-model', true],
        ['backup', 'big-model', false],
      ]);
      expect(res.text).not.toContain(stub.url);
      expect((await api.request('GET', '/providers', { token: null })).status).toBe(401);
    });

    it('runs a node left on "Server default" with the default provider', async () => {
      stub.enqueue({ type: 'text', text: 'From the default.', match: { model: 'small-model' } });
      const runId = await executeAndWait({
        ...ask,
        nodes: [ask.nodes[0], { id: 'ask', type: 'llm', data: {} }],
      });
      const run = await api.request('GET', `/runs/${runId}`);
      expect(run.body.run.status).toBe('SUCCESS');
      const result = run.body.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'ask');
      expect(result.meta).toMatchObject({ provider: 'local', model: 'small-model' });
    });

    it('GET /runs/:id says which provider and model answered, as the node:finish event did', async () => {
      stub.enqueue(
        { type: 'error', status: 503, message: 'Overloaded', match: { model: 'small-model' } },
        {
          type: 'text',
          text: 'Blue light scatters most.',
          usage: { inputTokens: 9, outputTokens: 5 },
          match: { model: 'big-model' },
        },
      );
      const runId = await executeAndWait(ask);
      const detail = (await api.request('GET', `/runs/${runId}`)).body;
      expect(detail.run.status).toBe('SUCCESS');
      const byId = Object.fromEntries(
        detail.nodeResults.map((r: { nodeId: string }) => [r.nodeId, r]),
      );
      expect(byId.ask.output).toEqual({ text: 'Blue light scatters most.' });
      expect(byId.ask.meta).toEqual({
        provider: 'backup',
        model: 'big-model',
        attempts: 1,
        usage: { inputTokens: 9, outputTokens: 5, totalTokens: 14 },
        finishReason: 'stop',
        fallbacks: [
          {
            provider: 'local',
            model: 'small-model',
            attempts: 1,
            code: 'E_PROVIDER_UNAVAILABLE',
            message: expect.stringContaining('Overloaded'),
          },
        ],
      });
      // A node that reports nothing has no meta.
      expect(byId.question).not.toHaveProperty('meta');
      // The stored record and the event stream tell the same story.
      const events = parseSse((await api.request('GET', `/runs/${runId}/events`)).text);
      const finished = events.filter((e) => e.data.type === 'node:finish');
      expect(finished.find((e) => e.data.nodeId === 'ask')?.data.result.meta).toEqual(
        byId.ask.meta,
      );
      expect(finished.find((e) => e.data.nodeId === 'question')?.data.result).not.toHaveProperty(
        'meta',
      );

      // A later run reusing the answer still says who gave it, without asking again.
      const asked = stub.requests.length;
      const again = await executeAndWait({ ...ask, reuseRunId: runId });
      const reused = (await api.request('GET', `/runs/${again}`)).body.nodeResults.find(
        (r: { nodeId: string }) => r.nodeId === 'ask',
      );
      expect(reused).toMatchObject({ status: 'SUCCESS', reused: true, meta: byId.ask.meta });
      expect(stub.requests.length).toBe(asked);
    });

    it("caps a run owner's provider calls in flight: the worker passes the owner's id", async () => {
      const capped = await makeHarness({
        context: llmContext({
          providers: createProviderSet({
            providers: [createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'solo' })],
            perUserConcurrency: 1,
          }),
        }),
      });
      try {
        stub.reset();
        const asks = ['a1', 'a2', 'a3'];
        stub.enqueue(...asks.map(() => ({ type: 'text' as const, text: 'ok', delayMs: 50 })));
        const res = await capped.request('POST', '/execute', {
          json: {
            nodes: [
              { id: 'q', type: 'text', data: { text: 'hi' } },
              ...asks.map((id) => ({ id, type: 'llm', data: { provider: 'solo' } })),
            ],
            edges: asks.map((id) => ({
              id: `e-${id}`,
              source: 'q',
              sourceHandle: 'text',
              target: id,
              targetHandle: 'prompt',
            })),
          },
        });
        expect(res.status).toBe(202);
        await capped.queue.idle();
        const run = (await capped.request('GET', `/runs/${res.body.runId}`)).body;
        expect(run.run.status).toBe('SUCCESS');
        expect(stub.requests).toHaveLength(3);
        expect(stub.peakConcurrency).toBe(1);
      } finally {
        await capped.close();
      }
    });
  });
}
