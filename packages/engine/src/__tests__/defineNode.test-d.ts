import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from '../defineNode';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import type { AnyNodeDefinition, JsonValue, RunEvent } from '../types';

describe('defineNode types', () => {
  it('infers inputs from ports and data from the schema', () => {
    defineNode({
      type: 'typed',
      label: 'Typed',
      category: 'Test',
      inputs: {
        text: { type: 'text', required: true },
        images: { type: 'image', multiple: true },
        meta: { type: 'json' },
      },
      outputs: { text: { type: 'text' } },
      data: z.object({ suffix: z.string().default('!') }),
      run({ inputs, data }) {
        expectTypeOf(inputs.text).toEqualTypeOf<string>();
        expectTypeOf(inputs.images).toEqualTypeOf<string[] | undefined>();
        expectTypeOf(inputs.meta).toEqualTypeOf<JsonValue | undefined>();
        expectTypeOf(data.suffix).toEqualTypeOf<string>();
        return { text: inputs.text + data.suffix };
      },
    });
  });

  it('rejects outputs of the wrong type', () => {
    defineNode({
      type: 'wrong',
      label: 'Wrong',
      category: 'Test',
      inputs: {},
      outputs: { text: { type: 'text' } },
      data: z.object({}),
      // @ts-expect-error a text output must be a string
      run: () => ({ text: 42 }),
    });
  });

  it('narrows events by type', () => {
    const handle = (event: RunEvent) => {
      if (event.type === 'node:delta') expectTypeOf(event.delta).toEqualTypeOf<string>();
      if (event.type === 'node:finish') expectTypeOf(event.result.status).toEqualTypeOf<'SUCCESS' | 'FAILED' | 'SKIPPED' | 'CANCELED'>();
    };
    expectTypeOf(handle).toBeFunction();
  });
});

describe('registering a host node', () => {
  it('accepts a typed definition beside the built-ins, as the README shows', () => {
    const shout = defineNode({
      type: 'shout',
      label: 'Shout',
      category: 'Text',
      inputs: { text: { type: 'text', required: true } },
      outputs: { text: { type: 'text' } },
      data: z.object({ suffix: z.string().default('!') }),
      run: ({ inputs, data }) => ({ text: inputs.text.toUpperCase() + data.suffix }),
    });
    const dynamic = defineNode({
      type: 'fields',
      label: 'Fields',
      category: 'Text',
      inputs: (data) => Object.fromEntries(data.names.map((name) => [name, { type: 'text' as const }])),
      outputs: { text: { type: 'text' } },
      data: z.object({ names: z.array(z.string()).default([]) }),
      run: ({ data }) => ({ text: data.names.join(',') }),
    });
    const registry = createRegistry([...builtinNodes, shout, dynamic]);
    expectTypeOf(registry.get('shout')).toEqualTypeOf<AnyNodeDefinition | undefined>();
    expectTypeOf(registry.extend([shout]).list()).toEqualTypeOf<readonly AnyNodeDefinition[]>();
  });
});
