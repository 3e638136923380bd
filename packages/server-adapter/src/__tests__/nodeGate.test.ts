import { createRegistry, defineNode, runWorkflow } from '@galaxyflow/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createNodeGate } from '../nodeGate';

describe('node gate', () => {
  it('never starts the executor of an attempt the engine timed out while the start check ran', async () => {
    const started: number[] = [];
    const slow = defineNode({
      type: 'slow',
      label: 'Slow',
      category: 'Test',
      inputs: {},
      outputs: { out: { type: 'text' } },
      data: z.object({}),
      async run({ attempt }) {
        started.push(attempt);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { out: 'done' };
      },
    });
    let checks = 0;
    const onStart: string[] = [];
    const gate = createNodeGate(createRegistry([slow]), {
      // The first check (a store read) outlasts the node's 50 ms time limit.
      beforeStart: () => new Promise((resolve) => setTimeout(() => resolve(true), checks++ === 0 ? 120 : 0)),
      onStart: (id) => onStart.push(id),
      onDrained() {},
    });
    const result = await runWorkflow(
      { nodes: [{ id: 'a', type: 'slow', data: { timeoutMs: 50 } }], edges: [] },
      { registry: gate.registry, retry: { maxAttempts: 3, backoffMs: 0, jitter: false } },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(result.nodes.a).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(started).toEqual([2]);
    expect(onStart).toEqual(['a']);
  });
});
