import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run';
import type { RunEvent, WorkflowLoader } from '../types';
import {
  checkWorkflowReferences,
  workflowInterface,
  workflowReferences,
} from '../workflowInterface';

const registry = createRegistry(builtinNodes);

/** A child: Input `topic` → Template → Output `summary`. */
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

/** A store of saved versions, by `id@version`. */
function loaderOf(saved: Record<string, unknown>): WorkflowLoader {
  return async ({ workflowId, version }) => saved[`${workflowId}@${version}`];
}

/** Calls `ref` through a Workflow node with the child's ports, feeding it `text`. */
function caller(
  workflowId: string,
  version: number,
  ports = workflowInterface(child),
  text = 'cats',
) {
  return {
    nodes: [
      { id: 'src', type: 'text', data: { text } },
      { id: 'w', type: 'workflow', data: { workflowId, version, ...ports } },
    ],
    edges: [{ id: 'e', source: 'src', sourceHandle: 'text', target: 'w', targetHandle: 'topic' }],
  };
}

describe('Input and Output nodes', () => {
  it('describe a workflow: its inputs and outputs with their types', () => {
    expect(workflowInterface(child)).toEqual({
      inputs: [{ name: 'topic', type: 'text', required: true }],
      outputs: [{ name: 'summary', type: 'text' }],
    });
  });

  it('take the run inputs, then their default; a required input without either fails', async () => {
    const given = await runWorkflow(child, { registry, inputs: { topic: 'owls' } });
    expect(given.nodes.out!.output).toEqual({ value: 'About owls' });
    const withDefault = {
      ...child,
      nodes: [
        { id: 'in', type: 'input', data: { name: 'topic', default: 'bats' } },
        ...child.nodes.slice(1),
      ],
    };
    expect((await runWorkflow(withDefault, { registry })).nodes.out!.output).toEqual({
      value: 'About bats',
    });
    const missing = await runWorkflow(child, { registry });
    expect(missing.nodes.in!.error).toMatchObject({ code: 'E_WORKFLOW_INPUT_MISSING' });
    await expect(runWorkflow(child, { registry, inputs: ['owls'] as never })).rejects.toMatchObject(
      { code: 'E_INVALID_RUN_OPTION' },
    );
  });
});

describe('Workflow node', () => {
  it('runs the pinned version with its Inputs and Outputs as ports, results and events nested', async () => {
    const events: RunEvent[] = [];
    const result = await runWorkflow(caller('child', 2), {
      registry,
      context: { loadWorkflow: loaderOf({ 'child@2': child }) },
      onEvent: (event) => events.push(event),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.w!.output).toEqual({ summary: 'About cats' });
    const meta = result.nodes.w!.meta as {
      child: {
        workflowId: string;
        version: number;
        status: string;
        nodes: Record<string, { output?: unknown }>;
      };
    };
    expect(meta.child).toMatchObject({ workflowId: 'child', version: 2, status: 'SUCCESS' });
    expect(meta.child.nodes.t!.output).toEqual({ text: 'About cats' });
    const nested = events.filter((e) => e.type === 'node:child');
    expect(
      nested.map(
        (e) => e.type === 'node:child' && `${e.path.join('/')}:${e.event.type}:${e.event.nodeId}`,
      ),
    ).toEqual([
      'w:node:start:in',
      'w:node:finish:in',
      'w:node:start:t',
      'w:node:finish:t',
      'w:node:start:out',
      'w:node:finish:out',
    ]);
    // The parent's own node events never name a child node.
    const own = events
      .filter((e) => e.type === 'node:finish')
      .map((e) => e.type === 'node:finish' && e.nodeId);
    expect(own).toEqual(['src', 'w']);
  });

  it('fails with the child failure, keeping what the child did', async () => {
    // An input the caller does not wire, that the child requires.
    const broken = {
      ...child,
      nodes: [{ id: 'x', type: 'input', data: { name: 'extra', required: true } }, ...child.nodes],
    };
    const result = await runWorkflow(caller('child', 1), {
      registry,
      context: { loadWorkflow: loaderOf({ 'child@1': broken }) },
    });
    expect(result.status).toBe('FAILED');
    expect(result.nodes.w!.error).toMatchObject({
      code: 'E_SUBWORKFLOW_FAILED',
      details: { status: 'FAILED', cause: { code: 'E_WORKFLOW_INPUT_MISSING', nodeId: 'x' } },
    });
    const meta = result.nodes.w!.meta as { child: { nodes: Record<string, { status: string }> } };
    expect(meta.child.nodes.x!.status).toBe('FAILED');
  });

  it('reads a workflow the loader does not give as not found, and needs a loader', async () => {
    const absent = await runWorkflow(caller('someone-elses', 1), {
      registry,
      context: { loadWorkflow: loaderOf({}) },
    });
    expect(absent.nodes.w!.error).toMatchObject({ code: 'E_WORKFLOW_NOT_FOUND' });
    const none = await runWorkflow(caller('child', 1), { registry });
    expect(none.nodes.w!.error).toMatchObject({ code: 'E_SUBWORKFLOWS_UNAVAILABLE' });
  });

  it('stops a workflow that calls itself at the depth cap', async () => {
    // Saved before any check could refuse it: a version that calls itself.
    const selfCalling = {
      nodes: [
        { id: 'in', type: 'input', data: { name: 'topic' } },
        {
          id: 'again',
          type: 'workflow',
          data: { workflowId: 'loop', version: 1, inputs: [{ name: 'topic' }], outputs: [] },
        },
      ],
      edges: [
        { id: 'e', source: 'in', sourceHandle: 'value', target: 'again', targetHandle: 'topic' },
      ],
    };
    const events: RunEvent[] = [];
    const result = await runWorkflow(
      caller('loop', 1, { inputs: [{ name: 'topic', type: 'any' }], outputs: [] }),
      {
        registry,
        caps: { workflowDepth: 3 },
        context: { loadWorkflow: loaderOf({ 'loop@1': selfCalling }) },
        onEvent: (event) => events.push(event),
      },
    );
    expect(result.status).toBe('FAILED');
    // Three levels ran; the fourth call was refused.
    const deepest = events
      .filter((e) => e.type === 'node:child')
      .reduce((most, e) => Math.max(most, e.type === 'node:child' ? e.path.length : 0), 0);
    expect(deepest).toBe(3);
    let meta = result.nodes.w!.meta as
      | { child?: { nodes: Record<string, { error?: { code: string }; meta?: unknown }> } }
      | undefined;
    let innermost: { code: string } | undefined;
    while (meta?.child) {
      innermost = meta.child.nodes.again?.error;
      meta = meta.child.nodes.again?.meta as typeof meta;
    }
    expect(innermost).toMatchObject({ code: 'E_WORKFLOW_DEPTH' });
  });

  it('runs a saved workflow per item in a Map node, each item nested in its meta', async () => {
    const workflow = {
      nodes: [
        { id: 'list', type: 'input', data: { name: 'topics', default: ['owls', 'bats'] } },
        {
          id: 'm',
          type: 'map',
          data: { mode: 'workflow', workflowId: 'child', version: 1, concurrency: 2 },
        },
      ],
      edges: [
        { id: 'e', source: 'list', sourceHandle: 'value', target: 'm', targetHandle: 'items' },
      ],
    };
    const result = await runWorkflow(workflow, {
      registry,
      context: { loadWorkflow: loaderOf({ 'child@1': child }) },
    });
    expect(result.nodes.m!.output).toEqual({ results: ['About owls', 'About bats'], errors: [] });
    const items = (
      result.nodes.m!.meta as { items: { nodes: Record<string, { output?: unknown }> }[] }
    ).items;
    expect(items[1]!.nodes.t!.output).toEqual({ text: 'About bats' });
  });
});

describe("the host's beforeNodeStart", () => {
  it("is asked for a sub-workflow's nodes, and once for a Map node rather than per item", async () => {
    const asked: string[] = [];
    const beforeNodeStart = ({ runId, nodeId }: { runId: string; nodeId: string }) => {
      asked.push(`${runId.split('/').slice(1).join('/')}:${nodeId}`);
    };
    await runWorkflow(caller('child', 1), {
      registry,
      runId: 'r',
      beforeNodeStart,
      context: { loadWorkflow: loaderOf({ 'child@1': child }) },
    });
    expect(asked).toEqual([':src', ':w', 'w:in', 'w:t', 'w:out']);
    asked.length = 0;
    const mapped = {
      nodes: [
        { id: 'list', type: 'input', data: { name: 'items', default: ['a', 'b', 'c'] } },
        {
          id: 'm',
          type: 'map',
          data: { nodeType: 'template', nodeData: { template: '{{item}}' } },
        },
      ],
      edges: [
        { id: 'e', source: 'list', sourceHandle: 'value', target: 'm', targetHandle: 'items' },
      ],
    };
    await runWorkflow(mapped, { registry, runId: 'r', beforeNodeStart });
    expect(asked).toEqual([':list', ':m']);
  });
});

describe('checkWorkflowReferences', () => {
  const calls = (...refs: [string, number][]) => ({
    nodes: refs.map(([workflowId, version], i) => ({
      id: `call${i}`,
      type: 'workflow',
      data: { workflowId, version },
    })),
    edges: [],
  });

  it('refuses a workflow that calls itself through another', async () => {
    const load = loaderOf({ 'b@1': calls(['a', 3]) });
    const issues = await checkWorkflowReferences(calls(['b', 1]), {
      load,
      self: { workflowId: 'a', version: 3 },
    });
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'E_WORKFLOW_CYCLE',
        nodeId: 'call0',
        nodeIds: ['a@3', 'b@1', 'a@3'],
      }),
    ]);
  });

  it('refuses a cycle among the versions it calls, and a direct call to itself', async () => {
    const load = loaderOf({ 'b@1': calls(['c', 1]), 'c@1': calls(['b', 1]) });
    const issues = await checkWorkflowReferences(calls(['b', 1]), { load });
    expect(issues[0]).toMatchObject({ code: 'E_WORKFLOW_CYCLE', nodeIds: ['b@1', 'c@1', 'b@1'] });
    const direct = await checkWorkflowReferences(calls(['a', 2]), {
      load,
      self: { workflowId: 'a', version: 2 },
    });
    expect(direct[0]).toMatchObject({ code: 'E_WORKFLOW_CYCLE' });
  });

  it('follows calls made by Map nodes, directly or through the Workflow node they run per item', async () => {
    const load = loaderOf({ 'b@1': calls(['a', 1]), 'c@1': calls() });
    const mapped = {
      nodes: [
        { id: 'direct', type: 'map', data: { mode: 'workflow', workflowId: 'c', version: 1 } },
        {
          id: 'through',
          type: 'map',
          data: { nodeType: 'workflow', nodeData: { workflowId: 'b', version: 1 } },
        },
      ],
      edges: [],
    };
    expect(
      workflowReferences(mapped).map((r) => `${r.nodeId}:${r.workflowId}@${r.version}`),
    ).toEqual(['direct:c@1', 'through:b@1']);
    const issues = await checkWorkflowReferences(mapped, {
      load,
      self: { workflowId: 'a', version: 1 },
    });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'E_WORKFLOW_CYCLE', nodeId: 'through' }),
    ]);
  });

  it('accepts a diamond of calls, and an older version of itself', async () => {
    const load = loaderOf({
      'b@1': calls(['d', 1]),
      'c@1': calls(['d', 1]),
      'd@1': calls(),
      'a@1': calls(['b', 1]),
    });
    expect(
      await checkWorkflowReferences(calls(['b', 1], ['c', 1], ['a', 1]), {
        load,
        self: { workflowId: 'a', version: 2 },
      }),
    ).toEqual([]);
  });

  it('reports missing versions and chains deeper than allowed', async () => {
    const load = loaderOf({ 'x@1': calls(['y', 1]), 'y@1': calls(['z', 1]), 'z@1': calls() });
    expect(await checkWorkflowReferences(calls(['nope', 1]), { load })).toEqual([
      expect.objectContaining({ code: 'E_WORKFLOW_NOT_FOUND', nodeId: 'call0' }),
    ]);
    expect(await checkWorkflowReferences(calls(['x', 1]), { load, maxDepth: 3 })).toEqual([]);
    expect(await checkWorkflowReferences(calls(['x', 1]), { load, maxDepth: 2 })).toEqual([
      expect.objectContaining({ code: 'E_WORKFLOW_DEPTH' }),
    ]);
  });
});
