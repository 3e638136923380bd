import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from '../defineNode';
import { WorkflowValidationError } from '../errors';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import type { WorkflowInput } from '../schema';
import { validateWorkflow } from '../validate';

/** A node type whose data schema counts how often it checked a node: the trace of a validation. */
function countingRegistry() {
  const counter = { checks: 0 };
  const echo = defineNode({
    type: 'echo',
    label: 'Echo',
    category: 'Test',
    inputs: { in: { type: 'any', multiple: true } },
    outputs: { out: { type: 'any' } },
    data: z
      .object({ text: z.string().default('hi'), tags: z.array(z.string()).default([]) })
      .refine(() => {
        counter.checks++;
        return true;
      }),
    run: async ({ data, inputs }) => ({
      out: [data.text, ...data.tags, ...((inputs.in as unknown[]) ?? [])].join('|'),
    }),
  });
  return { registry: createRegistry([echo]), counter, echo };
}

function twoNodes(): WorkflowInput {
  return {
    nodes: [
      { id: 'a', type: 'echo', data: { text: 'A', tags: ['x'] } },
      { id: 'b', type: 'echo', data: { text: 'B', label: 'Second' } },
    ],
    edges: [{ id: 'e', source: 'a', sourceHandle: 'out', target: 'b', targetHandle: 'in' }],
  };
}

function validated(
  input: WorkflowInput,
  registry: ReturnType<typeof countingRegistry>['registry'],
) {
  const result = validateWorkflow(input, registry);
  if (!result.ok) throw new Error(result.issues[0]?.message);
  return result.workflow;
}

describe('ValidatedWorkflow', () => {
  it('runs without being validated again, run after run, with the same results as the plain graph', async () => {
    const { registry, counter } = countingRegistry();
    const input = twoNodes();
    const workflow = validated(input, registry);
    expect(counter.checks).toBe(2);
    const first = await runWorkflow(workflow, { registry });
    const second = await runWorkflow(workflow, { registry });
    expect(counter.checks).toBe(2);
    expect(first.nodes.b?.output).toEqual({ out: 'B|A|x' });
    expect(second.nodes.b?.output).toEqual(first.nodes.b?.output);
    // The plain graph is validated by the run, as before, and ends the same way.
    const plain = await runWorkflow(input, { registry });
    expect(counter.checks).toBe(4);
    expect(plain.nodes.b?.output).toEqual(first.nodes.b?.output);
    expect(plain.nodes.b?.hash).toBe(first.nodes.b?.hash);
  });

  it('is frozen to the leaves of node data, so it cannot change between validation and run', () => {
    const { registry } = countingRegistry();
    const input = twoNodes();
    const workflow = validated(input, registry);
    expect(() => workflow.nodes.push({ id: 'c', type: 'echo', data: {} })).toThrow(TypeError);
    expect(() => {
      workflow.nodes[0]!.type = 'other';
    }).toThrow(TypeError);
    expect(() => {
      workflow.edges[0]!.target = 'a';
    }).toThrow(TypeError);
    expect(() => {
      workflow.nodes[0]!.data.text = 'changed';
    }).toThrow(TypeError);
    expect(() => (workflow.nodes[0]!.data.tags as string[]).push('y')).toThrow(TypeError);
    // The caller's own objects are copied, not frozen: the editor keeps editing them.
    (input.nodes[0]!.data!.tags as string[]).push('y');
    expect(workflow.nodes[0]!.data.tags).toEqual(['x']);
  });

  it('hands executors frozen data, so one run cannot change what the next one sees', async () => {
    const { registry } = countingRegistry();
    const mutator = defineNode({
      type: 'mutator',
      label: 'Mutator',
      category: 'Test',
      inputs: {},
      outputs: { out: { type: 'any' } },
      data: z.object({ list: z.array(z.number()).default([]) }),
      run: ({ data }) => {
        (data.list as number[]).push(1);
        return { out: data.list.length };
      },
    });
    const both = registry.extend([mutator]);
    const workflow = validateWorkflow(
      { nodes: [{ id: 'm', type: 'mutator', data: { list: [0] } }], edges: [] },
      both,
    );
    if (!workflow.ok) throw new Error('invalid');
    const result = await runWorkflow(workflow.workflow, {
      registry: both,
      retry: { maxAttempts: 1 },
    });
    expect(result.nodes.m?.status).toBe('FAILED');
    expect(workflow.workflow.nodes[0]!.data.list).toEqual([0]);
  });

  it('is validated again against a different registry, which may refuse it', async () => {
    const { registry, counter } = countingRegistry();
    const workflow = validated(twoNodes(), registry);
    const other = countingRegistry();
    await expect(runWorkflow(workflow, { registry: other.registry })).resolves.toMatchObject({
      status: 'SUCCESS',
    });
    expect(other.counter.checks).toBe(2);
    expect(counter.checks).toBe(2);
    const empty = createRegistry([]);
    const refused = await runWorkflow(workflow, { registry: empty }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WorkflowValidationError);
    expect((refused as WorkflowValidationError).issues.map((i) => i.code)).toEqual([
      'E_UNKNOWN_NODE_TYPE',
      'E_UNKNOWN_NODE_TYPE',
    ]);
  });

  it("is held to the run's own limits, which may be stricter than validation's", () => {
    const { registry } = countingRegistry();
    const workflow = validated(twoNodes(), registry);
    expect(() => startRun(workflow, { registry, limits: { maxNodes: 1 } })).toThrow(
      WorkflowValidationError,
    );
    expect(() => startRun(workflow, { registry, limits: { maxBytes: 50 } })).toThrow(
      /at most 50 are allowed/,
    );
  });

  it('runs a part of it without validating again, and checks targets and scope', async () => {
    const { registry, counter } = countingRegistry();
    const workflow = validated(twoNodes(), registry);
    const partial = await runWorkflow(workflow, { registry, targetNodeIds: ['a'] });
    expect(Object.keys(partial.nodes)).toEqual(['a']);
    expect(counter.checks).toBe(2);
    expect(() => startRun(workflow, { registry, targetNodeIds: ['nope'] })).toThrow(
      WorkflowValidationError,
    );
  });

  it('validated for a part only, runs the whole only after checking the rest', async () => {
    const { registry } = countingRegistry();
    // `b`'s data is invalid, which a validation of `a` and its ancestors does not look at.
    const input: WorkflowInput = {
      nodes: [
        { id: 'a', type: 'echo', data: {} },
        { id: 'b', type: 'echo', data: { text: 5 } },
      ],
      edges: [{ id: 'e', source: 'a', sourceHandle: 'out', target: 'b', targetHandle: 'in' }],
    };
    const result = validateWorkflow(input, registry, { targetNodeIds: ['a'] });
    if (!result.ok) throw new Error('invalid');
    await expect(
      runWorkflow(result.workflow, { registry, targetNodeIds: ['a'] }),
    ).resolves.toMatchObject({ status: 'SUCCESS' });
    const whole = await runWorkflow(result.workflow, { registry }).catch((error: unknown) => error);
    expect(whole).toBeInstanceOf(WorkflowValidationError);
    expect((whole as WorkflowValidationError).issues[0]).toMatchObject({
      code: 'E_INVALID_DATA',
      nodeId: 'b',
    });
  });

  it('is an ordinary workflow once copied: a copy is validated by the run', async () => {
    const { registry, counter } = countingRegistry();
    const workflow = validated(twoNodes(), registry);
    await runWorkflow(structuredClone(workflow), { registry });
    await runWorkflow({ ...workflow }, { registry });
    expect(counter.checks).toBe(6);
  });
});
