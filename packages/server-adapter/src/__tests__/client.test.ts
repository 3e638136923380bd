import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProviderSet } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import {
  createGalaxyClient,
  GalaxyApiError,
  GalaxyConflictError,
  type GalaxyClient,
} from '../client/index';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { scriptedRegistry, stepGraph } from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';

describe('client errors', () => {
  it('maps a problem document to its code, a 409 to a conflict, and failures to client codes', async () => {
    const answers: Response[] = [
      new Response(
        JSON.stringify({
          type: 't',
          title: 'x',
          status: 409,
          code: 'E_VERSION_CONFLICT',
          currentVersion: 4,
        }),
        { status: 409, headers: { 'content-type': 'application/problem+json' } },
      ),
      new Response(
        JSON.stringify({ type: 't', title: 'Slow down', status: 429, code: 'E_RATE_LIMITED' }),
        { status: 429, headers: { 'retry-after': '7' } },
      ),
      new Response('<html>Bad gateway</html>', { status: 502 }),
      new Response('not json', { status: 200 }),
    ];
    const client = createGalaxyClient({
      baseUrl: 'http://x/api/',
      fetch: async () => {
        const next = answers.shift();
        if (!next) throw new TypeError('fetch failed');
        return next;
      },
    });
    const conflict = await client.workflows
      .update('w', { name: 'n', expectedVersion: 3 })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(GalaxyConflictError);
    expect(conflict).toMatchObject({ status: 409, code: 'E_VERSION_CONFLICT', currentVersion: 4 });
    const limited = await client.runs.list().catch((e: unknown) => e);
    expect(limited).toMatchObject({
      code: 'E_RATE_LIMITED',
      retryAfterSeconds: 7,
      message: 'Slow down',
    });
    expect(await client.runs.list().catch((e: GalaxyApiError) => [e.status, e.code])).toEqual([
      502,
      'E_HTTP',
    ]);
    expect(await client.runs.list().catch((e: GalaxyApiError) => e.code)).toBe(
      'E_INVALID_RESPONSE',
    );
    const offline = await client.runs.list().catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(GalaxyApiError);
    expect(offline).toMatchObject({ status: 0, code: 'E_NETWORK' });
  });

  it('reads fresh headers before every request', async () => {
    const seen: (string | null)[] = [];
    let token = 1;
    const client = createGalaxyClient({
      baseUrl: 'http://x/api',
      headers: async () => ({ authorization: `Bearer t${token++}` }),
      fetch: async (_input, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return new Response('{"items":[],"page":1,"limit":20,"total":0}', { status: 200 });
      },
    });
    await client.runs.list({ status: 'FAILED' });
    await client.runs.list();
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
  });
});

describe('client against the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-client-'));
  let store: GalaxyStore;
  let queue: InProcessQueue;
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let client: GalaxyClient;

  beforeAll(async () => {
    store = createSqliteStore({ path: join(dir, 'client.db') });
    queue = createInProcessQueue({ store, registry: scriptedRegistry, pollMs: 20 });
    await queue.start();
    const app = express();
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens: { 'alice-token-0123456789': 'user-alice' } }),
        store,
        queue,
        registry: scriptedRegistry,
        logger: pino({ level: 'silent' }),
        providers: createProviderSet({
          providers: [
            createOpenAICompatibleProvider({
              baseUrl: 'http://127.0.0.1:9/v1',
              apiKey: 'sk-never-shown',
              defaultModel: 'qwen2.5',
            }),
          ],
        }),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((done) => server.once('listening', () => done()));
    client = createGalaxyClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
      headers: { authorization: 'Bearer alice-token-0123456789' },
    });
  });
  afterAll(async () => {
    await queue.stop({ deadlineMs: 0 });
    await new Promise((done) => server.close(done));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the providers the server configured, without their key or address', async () => {
    const list = await client.listProviders();
    expect(list.defaultProvider).toBe('openai-compatible');
    expect(list.providers.map((p) => [p.label, p.models[0], p.default])).toEqual([
      ['OpenAI-compatible server', 'qwen2.5', true],
    ]);
    expect(JSON.stringify(list)).not.toMatch(/sk-never-shown|127\.0\.0\.1:9/);
  });

  it('saves as the editor does, and refuses a stale save with the current version', async () => {
    const created = await client.workflows.create({ name: 'Chain', ...stepGraph([{ id: 'a' }]) });
    const loaded = await client.getWorkflow(created.id);
    expect(loaded.workflow.nodes.map((n) => n.id)).toEqual(['a']);
    expect(loaded.workflow).not.toHaveProperty('settings');
    const graph = stepGraph([{ id: 'a' }, { id: 'b', after: 'a' }]);
    const saved = await client.saveWorkflow({
      id: created.id,
      workflow: { nodes: graph.nodes, edges: graph.edges } as never,
      expectedVersion: 1,
      name: 'Chain v2',
    });
    expect(saved).toMatchObject({ version: 2, name: 'Chain v2' });
    expect(saved.workflow.edges).toHaveLength(1);
    const stale = await client
      .saveWorkflow({ id: created.id, workflow: saved.workflow, expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ status: 409, currentVersion: 2, code: 'E_VERSION_CONFLICT' });
    const forced = await client.saveWorkflow({ id: created.id, workflow: saved.workflow });
    expect(forced.version).toBe(3);
    expect((await client.workflows.versions(created.id)).total).toBe(3);
    expect((await client.workflows.version(created.id, 1)).name).toBe('Chain');
    expect((await client.workflows.restore(created.id, 1, 3)).version).toBe(4);
    const missing = await client.getWorkflow('nope').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'E_WORKFLOW_NOT_FOUND' });
  });

  it('lists workflows for a picker and reads one version as an engine workflow', async () => {
    const created = await client.workflows.create({
      name: 'Pickable',
      ...stepGraph([{ id: 'a' }]),
    });
    await client.saveWorkflow({
      id: created.id,
      workflow: stepGraph([{ id: 'a' }, { id: 'b', after: 'a' }]) as never,
      expectedVersion: 1,
    });
    const choices = await client.listWorkflows();
    expect(choices.find((choice) => choice.id === created.id)).toMatchObject({
      name: 'Pickable',
      version: 2,
    });
    const first = await client.getWorkflowVersion(created.id, 1);
    expect(first).toMatchObject({ id: created.id, version: 1 });
    expect(first.workflow.nodes.map((n) => n.id)).toEqual(['a']);
  });

  it('lists, reads and restores versions in the shapes the editor takes', async () => {
    const created = await client.workflows.create({
      name: 'Versions',
      ...stepGraph([{ id: 'a' }]),
    });
    const two = stepGraph([{ id: 'a' }, { id: 'b', after: 'a' }]);
    await client.saveWorkflow({ id: created.id, workflow: two as never, expectedVersion: 1 });
    const page = await client.listVersions(created.id, { limit: 10 });
    expect(page.items.map((item) => item.version)).toEqual([2, 1]);
    expect(page.items[0]).not.toHaveProperty('workflow');
    expect(page.total).toBe(2);
    const first = await client.getVersion(created.id, 1);
    expect(first.workflow.nodes.map((node) => node.id)).toEqual(['a']);
    expect(first.restoredFrom).toBeNull();
    const restored = await client.restoreVersion(created.id, 1, 2);
    expect(restored.version).toBe(3);
    expect(restored.workflow.nodes.map((node) => node.id)).toEqual(['a']);
    expect((await client.getVersion(created.id, 3)).restoredFrom).toBe(1);
    const stale = await client.restoreVersion(created.id, 2, 2).catch((e: unknown) => e);
    expect(stale).toMatchObject({ status: 409, currentVersion: 3 });
  });

  it('runs a workflow and reads the run back in engine shapes', async () => {
    const meta = { provider: 'gemini', model: 'gemini-2.5-flash', attempts: 1, fallbacks: [] };
    const created = await client.workflows.create({
      name: 'Runs',
      ...stepGraph([{ id: 'a' }, { id: 'b', after: 'a', meta }]),
    });
    const { runId } = await client.execute({ workflowId: created.id }, { idempotencyKey: 'k-1' });
    expect(
      (await client.execute({ workflowId: created.id }, { idempotencyKey: 'k-1' })).runId,
    ).toBe(runId);
    const events: string[] = [];
    await new Promise<void>((done) => {
      client.subscribe(runId, (event) => events.push(event.type), {
        onStateChange: (state) => state === 'closed' && done(),
      });
    });
    expect(events[0]).toBe('run:start');
    expect(events.at(-1)).toBe('run:finish');
    const run = await client.getRun(runId);
    expect(run).toMatchObject({ runId, status: 'SUCCESS', workflowId: created.id });
    expect(run.nodes.b).toMatchObject({ status: 'SUCCESS', output: { out: 'ab' }, attempts: 1 });
    expect(typeof run.nodes.b?.startedAt).toBe('number');
    // Engine shapes: who answered is on `meta`, and a node that reported nothing has none.
    expect(run.nodes.b?.meta).toEqual(meta);
    expect(run.nodes.a).not.toHaveProperty('meta');
    expect(run).not.toHaveProperty('error');
    const page = await client.listRuns({ workflowId: created.id });
    expect(page.items.map((r) => r.runId)).toEqual([runId]);
    expect(page.items[0]).not.toHaveProperty('error');
    expect((await client.runs.list({ workflowId: created.id })).items[0]?.error).toBeNull();
  });

  it("passes the values of a workflow's Input nodes, and shows the API's refusal of a missing one", async () => {
    const graph = {
      nodes: [
        { id: 'in', type: 'input', data: { name: 'topic', valueType: 'text', required: true } },
        { id: 'out', type: 'template', data: { template: 'About {{topic}}' } },
      ],
      edges: [
        { id: 'e', source: 'in', sourceHandle: 'value', target: 'out', targetHandle: 'topic' },
      ],
    };
    const { runId } = await client.execute({ ...graph, inputs: { topic: 'owls' } });
    await new Promise<void>((done) => {
      client.subscribe(runId, () => {}, { onStateChange: (state) => state === 'closed' && done() });
    });
    expect((await client.getRun(runId)).nodes.out?.output).toEqual({ text: 'About owls' });
    await expect(client.execute(graph)).rejects.toMatchObject({
      code: 'E_INVALID_BODY',
      message: expect.stringMatching(/"topic" is required/),
    });
  });

  it('reads a run a page at a time into a whole snapshot, and deletes it', async () => {
    const paged = createGalaxyClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
      headers: { authorization: 'Bearer alice-token-0123456789' },
      runPageSize: 2,
    });
    const debug = ['d1', 'd2', 'd3', 'd4', 'd5'];
    const { runId } = await paged.execute({
      nodes: [
        { id: 't', type: 'text', data: { text: 'hi' } },
        ...debug.map((nodeId) => ({ id: nodeId, type: 'debug', data: {} })),
      ],
      edges: debug.map((nodeId) => ({
        id: `e-${nodeId}`,
        source: 't',
        sourceHandle: 'text',
        target: nodeId,
        targetHandle: 'value',
      })),
    } as never);
    await waitFor(async () => (await store.getRun('user-alice', runId))?.finishedAt, 'the run');
    const first = await paged.runs.get(runId, { pages: 'first' });
    expect(first.nodeResults).toHaveLength(2);
    expect(first.nodeResultsNext).not.toBeNull();
    const whole = await paged.runs.get(runId);
    expect(whole.nodeResults.map((r) => r.nodeId).sort()).toEqual(['t', ...debug].sort());
    expect(whole.logs).toEqual((await store.getRunDetail('user-alice', runId))?.logs);
    expect([whole.nodeResultsNext, whole.logsNext]).toEqual([null, null]);
    const snapshot = await paged.getRun(runId);
    expect(Object.keys(snapshot.nodes).sort()).toEqual(['t', ...debug].sort());
    expect(snapshot.logs).toHaveLength(whole.logs.length);
    expect(snapshot.logs.length).toBeGreaterThanOrEqual(5);

    await paged.runs.delete(runId);
    await expect(paged.runs.get(runId)).rejects.toMatchObject({ code: 'E_RUN_NOT_FOUND' });
  });

  it('the client entry imports nothing that only runs on a server', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../client');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/^(?:import|export) (type )?[^'"]*from '([^']+)'/gm)) {
        const [, typeOnly, specifier] = match;
        if (typeOnly) continue;
        // The engine's main entry runs in browsers: its own lint rules and entry-point test hold it
        // to web-standard APIs. Its subpaths (`/node`, `/testing`) do not, so they stay out.
        if (specifier === '@galaxyflow/engine') continue;
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.{1,2}\//);
        visit(resolve(dirname(file), `${specifier}.ts`));
      }
    };
    visit(join(root, 'index.ts'));
    expect([...seen].map((f) => f.split('/src/')[1])).toContain('errorCodes.ts');
  });
});
