import { workflowInterface } from '@galaxyflow/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, BOB_TOKEN, type Harness, makeHarnessFactory } from './harness';

/** A child workflow: Input `topic` → Template → Output `summary`. */
const child = {
  nodes: [
    { id: 'in', type: 'input', data: { name: 'topic', valueType: 'text', required: true } },
    { id: 't', type: 'template', data: { template: 'About {{topic}}' } },
    { id: 'out', type: 'output', data: { name: 'summary', valueType: 'text' } },
  ],
  edges: [
    { id: 'e1', source: 'in', sourceHandle: 'value', target: 't', targetHandle: 'topic' },
    { id: 'e2', source: 't', sourceHandle: 'text', target: 'out', targetHandle: 'value' },
  ],
};

/** Text → a Workflow node calling `workflowId@version` with the child's ports. */
function caller(workflowId: string, version: number) {
  return {
    nodes: [
      { id: 'src', type: 'text', data: { text: 'cats' } },
      { id: 'w', type: 'workflow', data: { workflowId, version, ...workflowInterface(child) } },
    ],
    edges: [{ id: 'e', source: 'src', sourceHandle: 'text', target: 'w', targetHandle: 'topic' }],
  };
}

describe('sub-workflows over HTTP', () => {
  let api: Harness;
  beforeEach(async () => {
    api = await makeHarnessFactory('express')();
  });
  afterEach(async () => {
    await api.close();
  });

  async function save(body: Record<string, unknown>, token?: string) {
    const res = await api.request('POST', '/workflows', {
      json: { name: 'Summarize', ...body },
      ...(token ? { token } : {}),
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; version: number };
  }

  it('runs a saved workflow inside another: results nested in the node, child events in the stream', async () => {
    const saved = await save(child);
    const parent = await save(caller(saved.id, saved.version));
    const started = await api.request('POST', '/execute', { json: { workflowId: parent.id } });
    expect(started.status, started.text).toBe(202);
    await api.queue.idle();
    const runId = started.body.runId as string;
    const run = await api.request('GET', `/runs/${runId}`);
    expect(run.body.run.status).toBe('SUCCESS');
    const w = run.body.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'w');
    expect(w.output).toEqual({ summary: 'About cats' });
    expect(w.meta.child).toMatchObject({ workflowId: saved.id, version: 1, status: 'SUCCESS' });
    expect(w.meta.child.nodes.t.output).toEqual({ text: 'About cats' });
    // The run's own results hold only its own nodes; the child's are nested above.
    expect(run.body.nodeResults.map((r: { nodeId: string }) => r.nodeId).sort()).toEqual([
      'src',
      'w',
    ]);
    const events = await api.store.listRunEvents(runId, 0);
    const nested = events
      .map((record) => record.event)
      .filter((event) => event.type === 'node:child')
      .map(
        (event) =>
          event.type === 'node:child' &&
          `${event.path.join('/')} ${event.event.type} ${event.event.nodeId}`,
      );
    expect(nested).toContain('w node:finish t');
  });

  it("refuses another user's workflow: at execute, on save, and at run time", async () => {
    const alices = await save(child);
    const adHoc = await api.request('POST', '/execute', {
      json: caller(alices.id, 1),
      token: BOB_TOKEN,
    });
    expect([adHoc.status, adHoc.body.code]).toEqual([422, 'E_INVALID_WORKFLOW']);
    expect(adHoc.body.issues[0]).toMatchObject({ code: 'E_WORKFLOW_NOT_FOUND', nodeId: 'w' });
    // Nothing tells Bob it exists: the same answer as for an id that does not.
    const none = await api.request('POST', '/execute', {
      json: caller('no-such-id', 1),
      token: BOB_TOKEN,
    });
    expect(none.body.issues[0].message.replace('no-such-id', alices.id)).toBe(
      adHoc.body.issues[0].message,
    );
    const saving = await api.request('POST', '/workflows', {
      json: { name: 'Borrow', ...caller(alices.id, 1) },
      token: BOB_TOKEN,
    });
    expect([saving.status, saving.body.issues?.[0]?.code]).toEqual([422, 'E_WORKFLOW_NOT_FOUND']);
    // A run recorded past the API (an older server, a host's own code) is still held to its owner.
    const created = await api.store.createRun(BOB, {
      workflowId: null,
      workflowVersion: null,
      graph: caller(alices.id, 1),
      scope: 'FULL',
      targetNodeIds: null,
      reuseRunId: null,
      traceparent: null,
    });
    if (!created.ok) throw new Error('run not created');
    await api.queue.enqueue(created.run.id, { userId: BOB });
    await api.queue.idle();
    const run = await api.request('GET', `/runs/${created.run.id}`, { token: BOB_TOKEN });
    expect(run.body.run.status).toBe('FAILED');
    const w = run.body.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'w');
    expect(w.error.code).toBe('E_WORKFLOW_NOT_FOUND');
  });

  it('refuses a workflow that calls itself, on save and at execute', async () => {
    const saved = await save(child);
    // The version this save would create calls itself.
    const looping = caller(saved.id, 2);
    const put = await api.request('PUT', `/workflows/${saved.id}`, {
      json: { ...looping, expectedVersion: 1 },
    });
    expect([put.status, put.body.code]).toEqual([422, 'E_INVALID_WORKFLOW']);
    expect(put.body.issues[0]).toMatchObject({
      code: 'E_WORKFLOW_CYCLE',
      nodeId: 'w',
      nodeIds: [`${saved.id}@2`, `${saved.id}@2`],
    });
    expect((await api.request('GET', `/workflows/${saved.id}`)).body.version).toBe(1);
    // Stored past the API: the run is refused before it is queued.
    const stored = await api.store.updateWorkflow(ALICE, saved.id, looping, 1);
    expect(stored.ok).toBe(true);
    const run = await api.request('POST', '/execute', { json: { workflowId: saved.id } });
    expect([run.status, run.body.issues?.[0]?.code]).toEqual([422, 'E_WORKFLOW_CYCLE']);
  });

  it('streams the progress of a Map over a saved workflow, and keeps each item in the result', async () => {
    const saved = await save(child);
    const mapper = await save({
      nodes: [
        { id: 'list', type: 'input', data: { name: 'topics', default: ['owls', 'bats', 'moths'] } },
        {
          id: 'm',
          type: 'map',
          data: { mode: 'workflow', workflowId: saved.id, version: 1, concurrency: 2 },
        },
      ],
      edges: [
        { id: 'e', source: 'list', sourceHandle: 'value', target: 'm', targetHandle: 'items' },
      ],
    });
    const started = await api.request('POST', '/execute', { json: { workflowId: mapper.id } });
    await api.queue.idle();
    const runId = started.body.runId as string;
    const stream = await api.request('GET', `/runs/${runId}/events`);
    expect(stream.status).toBe(200);
    const progress = stream.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)))
      .filter((event) => event.type === 'node:progress')
      .map((event) => `${event.nodeId} ${event.done}/${event.total}`);
    expect(progress).toEqual(['m 0/3', 'm 1/3', 'm 2/3', 'm 3/3']);
    const run = await api.request('GET', `/runs/${runId}`);
    const m = run.body.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'm');
    expect(m.output).toEqual({ results: ['About owls', 'About bats', 'About moths'], errors: [] });
    expect(m.meta.items[2].nodes.t.output).toEqual({ text: 'About moths' });
  });
});

describe('run inputs over HTTP', () => {
  let api: Harness;
  beforeEach(async () => {
    api = await makeHarnessFactory('express')();
  });
  afterEach(async () => {
    await api.close();
  });

  async function runToEnd(json: Record<string, unknown>) {
    const started = await api.request('POST', '/execute', { json });
    expect(started.status, started.text).toBe(202);
    await api.queue.idle();
    const run = await api.request('GET', `/runs/${started.body.runId as string}`);
    const out = run.body.nodeResults.find((r: { nodeId: string }) => r.nodeId === 'out');
    return { status: run.body.run.status as string, output: out?.output };
  }

  it("gives a saved workflow's Input nodes the values the request names, and an unsaved graph's too", async () => {
    const saved = await api.request('POST', '/workflows', {
      json: { name: 'Summarize', ...child },
    });
    expect(saved.status, saved.text).toBe(201);
    expect(await runToEnd({ workflowId: saved.body.id, inputs: { topic: 'owls' } })).toEqual({
      status: 'SUCCESS',
      output: { value: 'About owls' },
    });
    expect(await runToEnd({ ...child, inputs: { topic: 'bats' } })).toEqual({
      status: 'SUCCESS',
      output: { value: 'About bats' },
    });
  });

  it('refuses inputs the workflow does not take, of the wrong type or missing, before any run is made', async () => {
    // Each body is the child graph with these inputs, as raw JSON.
    const cases: [string, { path: string[]; message: RegExp }[]][] = [
      ['{}', [{ path: ['inputs', 'topic'], message: /"topic" is required/ }]],
      [
        '{"topic": 42, "tpoic": "owls"}',
        [
          { path: ['inputs', 'topic'], message: /"topic" takes text, not a number/ },
          { path: ['inputs', 'tpoic'], message: /no Input named "tpoic"; its Inputs are "topic"/ },
        ],
      ],
      ['{"2nd topic": "x"}', [{ path: ['inputs', '2nd topic'], message: /letters, digits and _/ }]],
    ];
    for (const [inputs, expected] of cases) {
      const res = await api.request('POST', '/execute', {
        raw: `{${JSON.stringify(child).slice(1, -1)}, "inputs": ${inputs}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('E_INVALID_BODY');
      const issues = res.body.issues as { path: string[]; message: string }[];
      expect(issues.map((i) => i.path)).toEqual(expected.map((e) => e.path));
      for (const [k, issue] of issues.entries())
        expect(issue.message).toMatch(expected[k]!.message);
    }
    const runs = await api.request('GET', '/runs');
    expect(runs.body.items).toEqual([]);
  });
});
