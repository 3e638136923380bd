import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWorkflowFast, parseWorkflowFastMeasured, utf8Length } from '../parseFast';
import { WorkflowSchema } from '../schema';

/** Ids and names near every boundary the schema draws. */
const idish = fc.oneof(
  fc.string({ minLength: 0, maxLength: 3 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a'.repeat(128), 'a'.repeat(129), 'n1', 'é'),
  fc.integer(),
  fc.constant(null),
);
const numberish = fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.string({ maxLength: 2 }));
const dataish = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
  fc.constant(null),
  fc.constant([]),
  fc.constant(JSON.parse('{"__proto__":{"x":1},"a":2}')),
);
const nodeish = fc.record(
  {
    id: idish,
    type: idish,
    data: dataish,
    position: fc.oneof(fc.constant(undefined), fc.record({ x: numberish, y: numberish }), fc.constant('here')),
    selected: fc.boolean(),
  },
  { requiredKeys: ['id', 'type'] },
);
const edgeish = fc.record({ id: idish, source: idish, sourceHandle: idish, target: idish, targetHandle: idish, animated: fc.boolean() });
const workflowish = fc.oneof(
  fc.record({ nodes: fc.array(nodeish, { maxLength: 4 }), edges: fc.array(edgeish, { maxLength: 4 }) }),
  fc.record({ nodes: fc.constant([]), edges: fc.constant([]), settings: fc.record({ concurrency: fc.integer() }) }),
  fc.constant(null),
  fc.constant([]),
  fc.record({ nodes: fc.constant('x'), edges: fc.constant([]) }),
);

describe('parseWorkflowFast', () => {
  it('agrees with WorkflowSchema whenever it answers, and refuses whatever the schema refuses', () => {
    fc.assert(
      fc.property(workflowish, (input) => {
        const fast = parseWorkflowFast(input);
        const slow = WorkflowSchema.safeParse(input);
        if (fast !== null) {
          expect(slow.success).toBe(true);
          expect(fast).toEqual(slow.data);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('answers for every well-formed workflow, so the fast path is really taken', () => {
    const valid = fc.record({
      nodes: fc.array(
        fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !['__proto__', 'constructor', 'prototype'].includes(s)), type: fc.constantFrom('text', 'llm'), data: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })), position: fc.record({ x: fc.integer(), y: fc.integer() }) }),
        { maxLength: 5 },
      ),
      edges: fc.array(fc.record({ id: fc.constantFrom('e1', 'e2'), source: fc.constant('a'), sourceHandle: fc.constant('out'), target: fc.constant('b'), targetHandle: fc.constant('in') }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(valid, (input) => {
        const fast = parseWorkflowFast(input);
        expect(fast).not.toBeNull();
        expect(fast).toEqual(WorkflowSchema.parse(input));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves data with a "__proto__" key to zod, which drops the key without touching any prototype', () => {
    const input = JSON.parse('{"nodes":[{"id":"a","type":"t","data":{"__proto__":{"polluted":1},"a":2}}],"edges":[]}');
    expect(parseWorkflowFast(input)).toBeNull();
    const data = WorkflowSchema.parse(input).nodes[0]!.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(['a']);
    expect(data.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseWorkflowFastMeasured', () => {
  /** Strings that JSON escapes or writes in more than one UTF-8 byte, lone surrogates included. */
  const texty = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('"', '\\', '\n', '\u0001', '\u007f', 'é', '€', '😀', '\ud800', '\udc00x'));
  const extra = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.constant(() => 1), fc.constant(new Date(0)), fc.constant({ toJSON: (key: string) => `key:${key}` }));
  const measurable = fc.record(
    {
      nodes: fc.array(
        fc.record(
          {
            id: texty,
            type: texty,
            data: fc.oneof(fc.constant(undefined), fc.dictionary(texty, fc.jsonValue({ maxDepth: 2 }))),
            position: fc.oneof(fc.constant(undefined), fc.record({ x: fc.double({ noNaN: true, noDefaultInfinity: true }), y: fc.integer() })),
            selected: extra,
          },
          { requiredKeys: ['id', 'type'] },
        ),
        { maxLength: 4 },
      ),
      edges: fc.array(fc.record({ id: texty, source: texty, sourceHandle: texty, target: texty, targetHandle: texty, animated: extra }, { requiredKeys: ['id', 'source', 'sourceHandle', 'target', 'targetHandle'] }), { maxLength: 4 }),
      settings: fc.constant(undefined),
      viewport: extra,
    },
    { requiredKeys: ['nodes', 'edges'] },
  );

  it('measures exactly the UTF-8 length of JSON.stringify, and parses as parseWorkflowFast does', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(measurable, workflowish), (input) => {
        const measured = parseWorkflowFastMeasured(input);
        if (measured === null) return;
        answered++;
        expect(measured.bytes).toBe(utf8Length(JSON.stringify(input)));
        expect(measured.workflow).toEqual(parseWorkflowFast(input));
      }),
      { numRuns: 5_000 },
    );
    expect(answered).toBeGreaterThan(500);
  });

  it('leaves to JSON.stringify what it cannot predict: toJSON, cycles, BigInt, class instances', () => {
    const node = { id: 'a', type: 't', data: {} as Record<string, unknown> };
    const workflow = { nodes: [node], edges: [] };
    expect(parseWorkflowFastMeasured(workflow)?.bytes).toBe(JSON.stringify(workflow).length);
    node.data = { toJSON: () => 'x' };
    expect(parseWorkflowFastMeasured(workflow)).toBeNull();
    node.data = { self: workflow };
    expect(parseWorkflowFastMeasured(workflow)).toBeNull();
    node.data = { big: 1n };
    expect(parseWorkflowFastMeasured(workflow)).toBeNull();
    class Node {
      id = 'a';
      type = 't';
    }
    expect(parseWorkflowFastMeasured({ nodes: [new Node()], edges: [] })).toBeNull();
    expect(parseWorkflowFast({ nodes: [new Node()], edges: [] })).not.toBeNull();
  });
});
