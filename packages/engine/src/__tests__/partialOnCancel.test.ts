import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineNode } from '../defineNode';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { startRun } from '../run';
import type { RunEvent } from '../types';

/** Streams two words, then waits until it is stopped. */
const talker = defineNode({
  type: 'talker',
  label: 'Talker',
  category: 'Test',
  inputs: {},
  outputs: { text: { type: 'text' } },
  data: z.object({}),
  run: ({ emit, signal }) =>
    new Promise<{ text: string }>((_resolve, reject) => {
      emit('Once upon ');
      emit('a time');
      signal.addEventListener('abort', () => reject(signal.reason));
    }),
});

const registry = createRegistry([...builtinNodes, talker]);

describe('canceling a node mid-stream', () => {
  it('keeps the text it streamed, marked partial, on the CANCELED result', async () => {
    const events: RunEvent[] = [];
    const handle = startRun(
      { nodes: [{ id: 'story', type: 'talker', data: { label: 'Story' } }], edges: [] },
      { registry, onEvent: (event) => events.push(event) },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    handle.cancel();
    const result = await handle.result;
    expect(result.status).toBe('CANCELED');
    expect(result.nodes.story).toMatchObject({
      status: 'CANCELED',
      meta: { partialText: 'Once upon a time' },
      error: { code: 'E_CANCELED' },
    });
    expect(result.nodes.story?.output).toBeUndefined();
    const finish = events.find((event) => event.type === 'node:finish');
    expect(finish).toMatchObject({ result: { meta: { partialText: 'Once upon a time' } } });
  });

  it('a node canceled before it streamed anything has no partial text', async () => {
    const handle = startRun(
      {
        nodes: [
          { id: 'story', type: 'talker', data: {} },
          { id: 'show', type: 'debug', data: {} },
        ],
        edges: [
          { id: 'e', source: 'story', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
        ],
      },
      { registry },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    handle.cancel();
    const result = await handle.result;
    expect(result.nodes.show?.status).toBe('CANCELED');
    expect(result.nodes.show?.meta).toBeUndefined();
  });
});
