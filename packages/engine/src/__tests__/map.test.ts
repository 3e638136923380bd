import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from '../defineNode';
import { GalaxyError } from '../errors';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import type { RunEvent } from '../types';

interface Seen {
  running: number;
  maxRunning: number;
  started: unknown[];
  aborted: unknown[];
}
const seen = (): Seen => ({ running: 0, maxRunning: 0, started: [], aborted: [] });

/** Waits `ms` (or the item's own `ms`), then echoes the item; an item `"bad"` fails. */
const echoNode = defineNode({
  type: 'echo',
  label: 'Echo',
  category: 'Test',
  inputs: { item: { type: 'any', required: true } },
  outputs: { out: { type: 'any' }, other: { type: 'text' } },
  data: z.object({ ms: z.number().default(0) }),
  async run({ inputs, data, signal, context }) {
    const s = context.seen as Seen;
    const item = inputs.item as { v: unknown; ms?: number } | string;
    s.started.push(item);
    s.running++;
    s.maxRunning = Math.max(s.maxRunning, s.running);
    try {
      const ms = typeof item === 'object' && item.ms !== undefined ? item.ms : data.ms;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          s.aborted.push(item);
          reject(signal.reason);
        });
      });
      if (item === 'bad' || (typeof item === 'object' && item.v === 'bad'))
        throw new GalaxyError('E_NODE_FAILED', 'this item is bad');
      return { out: typeof item === 'object' ? item.v : item };
    } finally {
      s.running--;
    }
  },
});

const registry = createRegistry([...builtinNodes, echoNode]);

function mapOver(items: unknown, data: Record<string, unknown> = {}) {
  return {
    nodes: [
      { id: 'list', type: 'input', data: { name: 'items', default: items } },
      { id: 'm', type: 'map', data: { nodeType: 'echo', ...data } },
    ],
    edges: [{ id: 'e', source: 'list', sourceHandle: 'value', target: 'm', targetHandle: 'items' }],
  };
}

describe('Map node', () => {
  it('keeps input order while later items finish first, and holds its concurrency', async () => {
    const items = Array.from({ length: 9 }, (_, i) => ({ v: i, ms: 5 + (9 - i) * 4 }));
    const s = seen();
    const result = await runWorkflow(mapOver(items, { concurrency: 3 }), {
      registry,
      context: { seen: s },
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.m!.output).toEqual({ results: [0, 1, 2, 3, 4, 5, 6, 7, 8], errors: [] });
    expect(s.maxRunning).toBe(3);
    const meta = result.nodes.m!.meta as {
      items: { status: string }[];
      done: number;
      total: number;
    };
    expect(meta.items.map((i) => i.status)).toEqual(Array(9).fill('SUCCESS'));
    expect(meta).toMatchObject({ done: 9, total: 9 });
  });

  it('runs a real node type per item: a Template fills {{item}}', async () => {
    const result = await runWorkflow(
      mapOver(['cats', 'dogs'], { nodeType: 'template', nodeData: { template: 'About {{item}}' } }),
      { registry },
    );
    expect(result.nodes.m!.output!.results).toEqual(['About cats', 'About dogs']);
  });

  it('collects errors: a failed item gives null and an entry in errors, the node succeeds', async () => {
    const s = seen();
    const result = await runWorkflow(mapOver(['a', 'bad', 'c'], { onItemError: 'collect' }), {
      registry,
      context: { seen: s },
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.m!.output).toEqual({
      results: ['a', null, 'c'],
      errors: [{ index: 1, code: 'E_NODE_FAILED', message: 'this item is bad' }],
    });
    const items = (
      result.nodes.m!.meta as { items: { status: string; error?: { code: string } }[] }
    ).items;
    expect(items[1]).toMatchObject({ status: 'FAILED', error: { code: 'E_NODE_FAILED' } });
  });

  it('stops at the first failed item: the rest are canceled and the node fails with the item', async () => {
    const s = seen();
    const items = [
      { v: 'bad', ms: 5 },
      { v: 'slow', ms: 2_000 },
      { v: 'later', ms: 0 },
      { v: 'last', ms: 0 },
    ];
    const started = performance.now();
    const result = await runWorkflow(mapOver(items, { concurrency: 2 }), {
      registry,
      context: { seen: s },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.status).toBe('FAILED');
    expect(result.nodes.m!.error).toMatchObject({
      code: 'E_MAP_ITEM_FAILED',
      details: { index: 0 },
    });
    expect(result.nodes.m!.error!.message).toContain('Item 1 of 4 failed: this item is bad');
    expect(s.aborted).toEqual([{ v: 'slow', ms: 2_000 }]);
    expect(s.started).toHaveLength(2);
    const meta = result.nodes.m!.meta as { items: ({ status: string } | null)[] };
    expect(meta.items.map((i) => i?.status ?? null)).toEqual(['FAILED', 'CANCELED', null, null]);
  });

  it('refuses a list longer than the host allows, before any item runs', async () => {
    const s = seen();
    const result = await runWorkflow(mapOver([1, 2, 3, 4, 5]), {
      registry,
      context: { seen: s },
      caps: { mapItems: 3 },
    });
    expect(result.nodes.m!.error).toMatchObject({
      code: 'E_MAP_TOO_MANY_ITEMS',
      details: { items: 5, maxItems: 3 },
    });
    expect(s.started).toEqual([]);
  });

  it('holds its concurrency to the host cap', async () => {
    const s = seen();
    const items = Array.from({ length: 8 }, (_, i) => ({ v: i, ms: 10 }));
    await runWorkflow(mapOver(items, { concurrency: 8 }), {
      registry,
      context: { seen: s },
      caps: { mapConcurrency: 2 },
    });
    expect(s.maxRunning).toBe(2);
  });

  it('refuses items that are not a list, and a node type without the item port', async () => {
    const notList = await runWorkflow(mapOver({ a: 1 }), { registry, context: { seen: seen() } });
    expect(notList.nodes.m!.error).toMatchObject({ code: 'E_MAP_NOT_A_LIST' });
    const noPort = await runWorkflow(mapOver([1], { nodeType: 'text' }), { registry });
    expect(noPort.nodes.m!.error).toMatchObject({ code: 'E_MAP_NODE_TYPE' });
    expect(noPort.nodes.m!.error!.message).toContain('Text has no input "item"');
  });

  it('cancels the items in flight when the run is canceled', async () => {
    const s = seen();
    const items = Array.from({ length: 6 }, (_, i) => ({ v: i, ms: 5_000 }));
    const handle = startRun(mapOver(items, { concurrency: 2 }), { registry, context: { seen: s } });
    handle.events.on('node:progress', () => {});
    await new Promise((resolve) => setTimeout(resolve, 30));
    handle.cancel();
    const result = await handle.result;
    expect(result.status).toBe('CANCELED');
    expect(s.aborted).toHaveLength(2);
    // Nothing starts after the cancel.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.started).toHaveLength(2);
  });

  it('aborts the items when the node times out', async () => {
    const s = seen();
    const workflow = mapOver([{ v: 1, ms: 5_000 }], {});
    (workflow.nodes[1]!.data as Record<string, unknown>).timeoutMs = 40;
    const result = await runWorkflow(workflow, {
      registry,
      context: { seen: s },
      retry: { maxAttempts: 1 },
    });
    expect(result.nodes.m!.error).toMatchObject({ code: 'E_TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(s.aborted).toEqual([{ v: 1, ms: 5_000 }]);
  });

  it('reports progress as items finish, ending at done = total', async () => {
    const progress: [number, number][] = [];
    const events: RunEvent[] = [];
    const items = Array.from({ length: 5 }, (_, i) => ({ v: i, ms: i * 3 }));
    await runWorkflow(mapOver(items, { concurrency: 2 }), {
      registry,
      context: { seen: seen() },
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'node:progress') progress.push([event.done, event.total]);
      },
    });
    expect(progress).toEqual([
      [0, 5],
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
    // Progress comes between the node's start and its finish.
    const types = events.filter((e) => 'nodeId' in e && e.nodeId === 'm').map((e) => e.type);
    expect(types[0]).toBe('node:start');
    expect(types.at(-1)).toBe('node:finish');
  });

  it('reports at most about a hundred progress events for a long list', async () => {
    let count = 0;
    const items = Array.from({ length: 1_000 }, (_, i) => i);
    const result = await runWorkflow(
      mapOver(items, { nodeType: 'template', nodeData: { template: '{{item}}' }, concurrency: 16 }),
      {
        registry,
        onEvent: (event) => {
          if (event.type === 'node:progress') count++;
        },
      },
    );
    expect((result.nodes.m!.output!.results as string[]).slice(0, 3)).toEqual(['0', '1', '2']);
    expect(count).toBeGreaterThan(50);
    expect(count).toBeLessThanOrEqual(102);
  });
});
