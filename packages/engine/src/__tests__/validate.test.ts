import { describe, expect, it } from 'vitest';
import { defineNode } from '../defineNode';
import { GalaxyError } from '../errors';
import { buildGraphIndex } from '../graph';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { validateConnection, validateWorkflow } from '../validate';
import { steps, testRegistry } from './kit';
import { z } from 'zod';

const codes = (input: unknown, options = {}) => {
  const result = validateWorkflow(input, testRegistry, options);
  return result.issues.map((i) => i.code);
};

describe('validateWorkflow', () => {
  it('accepts a valid workflow and returns it parsed, dropping editor-only node keys', () => {
    const result = validateWorkflow(
      {
        nodes: [
          {
            id: 'a',
            type: 'text',
            data: { text: 'hi' },
            position: { x: 1, y: 2 },
            selected: true,
            measured: { width: 10 },
          },
          { id: 'b', type: 'debug' },
        ],
        edges: [
          {
            id: 'e',
            source: 'a',
            sourceHandle: 'text',
            target: 'b',
            targetHandle: 'value',
            animated: true,
          },
        ],
      },
      testRegistry,
    );
    expect(result.ok).toBe(true);
    expect(result.issues).toEqual([]);
    if (!result.ok) return;
    expect(result.workflow.nodes[0]).toEqual({
      id: 'a',
      type: 'text',
      data: { text: 'hi' },
      position: { x: 1, y: 2 },
    });
    expect(result.workflow.nodes[1]!.data).toEqual({});
  });

  it('reports schema errors with a path and the node id', () => {
    const result = validateWorkflow(
      { nodes: [{ id: 'a', type: 'text', position: { x: 'left' } }], edges: [] },
      testRegistry,
    );
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({
      code: 'E_SCHEMA',
      path: ['nodes', 0, 'position', 'x'],
      nodeId: 'a',
    });
    expect(codes(null)).toEqual(['E_SCHEMA']);
    expect(codes({ nodes: 'x', edges: [] })).toEqual(['E_SCHEMA']);
    expect(
      codes({ nodes: [{ id: 'a', type: 'text', position: { x: Number.NaN, y: 0 } }], edges: [] }),
    ).toEqual(['E_SCHEMA']);
  });

  it('finds duplicate node and edge ids', () => {
    const wf = steps(['a', 'b'], ['a>b']);
    wf.nodes.push({ id: 'a', type: 'step', data: {} });
    wf.edges.push({ ...wf.edges[0]!, targetHandle: 'in' });
    const issues = validateWorkflow(wf, testRegistry).issues;
    expect(issues.map((i) => i.code)).toContain('E_DUPLICATE_NODE_ID');
    expect(issues.find((i) => i.code === 'E_DUPLICATE_EDGE_ID')).toMatchObject({
      edgeId: 'a-b',
      path: ['edges', 1, 'id'],
    });
  });

  it('reports every repeat of a node id, and edges join the first node with that id', () => {
    const nodes = [{ id: 'a' }, { id: 'b' }, { id: 'a' }, { id: 'c' }, { id: 'a' }, { id: 'b' }];
    const graph = buildGraphIndex(nodes, [{ source: 'a', target: 'c' }, { source: 'b', target: 'a' }]);
    expect(graph.duplicateIds).toEqual([2, 4, 5]);
    expect([...graph.indexOf]).toEqual([['a', 0], ['b', 1], ['c', 3]]);
    expect([...graph.edgeSource, ...graph.edgeTarget]).toEqual([0, 1, 3, 0]);
    const wf = steps(['a', 'b'], ['a>b']);
    wf.nodes.push({ id: 'a', type: 'step', data: {} }, { id: 'a', type: 'step', data: {} });
    const issues = validateWorkflow(wf, testRegistry).issues.filter((i) => i.code === 'E_DUPLICATE_NODE_ID');
    expect(issues.map((i) => i.path)).toEqual([['nodes', 2, 'id'], ['nodes', 3, 'id']]);
  });

  it('names unknown node types', () => {
    const result = validateWorkflow(
      { nodes: [{ id: 'x', type: 'teleport' }], edges: [] },
      testRegistry,
    );
    expect(result.issues).toEqual([
      expect.objectContaining({
        code: 'E_UNKNOWN_NODE_TYPE',
        nodeId: 'x',
        path: ['nodes', 0, 'type'],
      }),
    ]);
    expect(result.issues[0]!.message).toContain('teleport');
  });

  it('finds edges to missing nodes and missing handles', () => {
    const wf = steps(['a', 'b'], []);
    wf.edges.push({
      id: 'ghost',
      source: 'a',
      sourceHandle: 'out',
      target: 'nobody',
      targetHandle: 'in',
    });
    wf.edges.push({
      id: 'bad-out',
      source: 'a',
      sourceHandle: 'nope',
      target: 'b',
      targetHandle: 'in',
    });
    wf.edges.push({
      id: 'bad-in',
      source: 'a',
      sourceHandle: 'out',
      target: 'b',
      targetHandle: 'nope',
    });
    const issues = validateWorkflow(wf, testRegistry).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'E_MISSING_NODE',
        edgeId: 'ghost',
        path: ['edges', 0, 'target'],
      }),
      expect.objectContaining({
        code: 'E_MISSING_HANDLE',
        edgeId: 'bad-out',
        path: ['edges', 1, 'sourceHandle'],
      }),
      expect.objectContaining({
        code: 'E_MISSING_HANDLE',
        edgeId: 'bad-in',
        path: ['edges', 2, 'targetHandle'],
      }),
    ]);
  });

  it('refuses mismatched port types but lets `any` connect to everything', () => {
    const wf = {
      nodes: [
        { id: 'img', type: 'needs_text', data: {} },
        { id: 't', type: 'text', data: { text: 'x' } },
        { id: 'n2', type: 'needs_text', data: {} },
        { id: 'dbg', type: 'debug' },
      ],
      edges: [
        { id: 'ok', source: 't', sourceHandle: 'text', target: 'img', targetHandle: 'text' },
        { id: 'wrong', source: 'img', sourceHandle: 'image', target: 'n2', targetHandle: 'text' },
        { id: 'any', source: 'img', sourceHandle: 'image', target: 'dbg', targetHandle: 'value' },
      ],
    };
    const issues = validateWorkflow(wf, testRegistry).issues;
    expect(issues.find((i) => i.edgeId === 'wrong')).toMatchObject({
      code: 'E_PORT_TYPE_MISMATCH',
      nodeId: 'n2',
    });
    expect(issues.find((i) => i.edgeId === 'wrong')!.message).toMatch(/image.*text/);
    expect(issues.some((i) => i.edgeId === 'any' || i.edgeId === 'ok')).toBe(false);
  });

  it('refuses a second edge into a single-valued input, accepts many into a `multiple` one', () => {
    const single = {
      nodes: [
        { id: 'a', type: 'text' },
        { id: 'b', type: 'text' },
        { id: 'c', type: 'needs_text' },
      ],
      edges: [
        { id: 'e1', source: 'a', sourceHandle: 'text', target: 'c', targetHandle: 'text' },
        { id: 'e2', source: 'b', sourceHandle: 'text', target: 'c', targetHandle: 'text' },
      ],
    };
    expect(validateWorkflow(single, testRegistry).issues).toEqual([
      expect.objectContaining({ code: 'E_INPUT_TAKEN', edgeId: 'e2', nodeId: 'c' }),
    ]);
    expect(codes(steps(['a', 'b', 'c'], ['a>c', 'b>c']))).toEqual([]);
  });

  it('reports missing required inputs, only within the scope of a partial run', () => {
    const wf = {
      nodes: [
        { id: 'lonely', type: 'needs_text' },
        { id: 't', type: 'text' },
        { id: 'd', type: 'debug' },
      ],
      edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'd', targetHandle: 'value' }],
    };
    expect(validateWorkflow(wf, testRegistry).issues).toEqual([
      expect.objectContaining({ code: 'E_MISSING_INPUT', nodeId: 'lonely' }),
    ]);
    expect(validateWorkflow(wf, testRegistry, { targetNodeIds: ['d'] }).ok).toBe(true);
    expect(codes(wf, { targetNodeIds: ['nope'] })).toContain('E_UNKNOWN_TARGET');
  });

  it("validates each node's data with its type's schema, and the common overrides", () => {
    const wf = {
      nodes: [
        { id: 'n', type: 'needs_text', data: { size: 0 } },
        {
          id: 's',
          type: 'step',
          data: { timeoutMs: -5, failureMode: 'explode', retryPolicy: { maxAttempts: 3 } },
        },
        { id: 't', type: 'text' },
      ],
      edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'n', targetHandle: 'text' }],
    };
    const issues = validateWorkflow(wf, testRegistry).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'E_INVALID_DATA',
        nodeId: 'n',
        path: ['nodes', 0, 'data', 'size'],
      }),
      expect.objectContaining({
        code: 'E_INVALID_DATA',
        nodeId: 's',
        path: ['nodes', 1, 'data', 'failureMode'],
      }),
      expect.objectContaining({
        code: 'E_INVALID_DATA',
        nodeId: 's',
        path: ['nodes', 1, 'data', 'timeoutMs'],
      }),
    ]);
    expect(issues[0]!.message).toContain('size');
  });

  it('reports each cycle with the node ids on it, and self loops', () => {
    const issues = validateWorkflow(
      steps(['a', 'b', 'c', 'x', 'y', 'z'], ['a>b', 'b>c', 'c>a', 'x>y', 'y>x', 'c>z']),
      testRegistry,
    ).issues;
    const cycles = issues.filter((i) => i.code === 'E_CYCLE').map((i) => [...i.nodeIds!].sort());
    expect(cycles).toEqual([
      ['a', 'b', 'c'],
      ['x', 'y'],
    ]);
    // Unlabeled nodes of one type share a title, so the cycle tells them apart by id.
    expect(issues.find((i) => i.code === 'E_CYCLE')!.message).toContain(
      '"Step" (a) → "Step" (b) → "Step" (c) → "Step" (a)',
    );
    expect(codes(steps(['a'], ['a>a']))).toEqual(['E_SELF_LOOP']);
  });

  it('enforces node, edge and byte limits before parsing', () => {
    const wf = steps(['a', 'b', 'c'], ['a>b', 'b>c']);
    expect(codes(wf, { limits: { maxNodes: 2 } })).toEqual(['E_LIMIT_NODES']);
    expect(codes(wf, { limits: { maxEdges: 1 } })).toEqual(['E_LIMIT_EDGES']);
    expect(codes(wf, { limits: { maxBytes: 100 } })).toEqual(['E_LIMIT_BYTES']);
    const big = { nodes: [{ id: 't', type: 'text', data: { text: 'é'.repeat(600) } }], edges: [] };
    // 600 two-byte characters: counted in UTF-8 bytes, not UTF-16 units.
    expect(codes(big, { limits: { maxBytes: 1_000 } })).toEqual(['E_LIMIT_BYTES']);
    expect(codes(big, { limits: { maxBytes: 1_300 } })).toEqual([]);
  });

  it('refuses non-JSON input instead of throwing', () => {
    const circular: Record<string, unknown> = { nodes: [], edges: [] };
    circular.self = circular;
    expect(codes(circular)).toEqual(['E_SCHEMA']);
    expect(codes({ nodes: [], edges: [], big: 10n })).toEqual(['E_SCHEMA']);
  });

  it('cannot be used to pollute prototypes', () => {
    const hostile = JSON.parse(
      '{"nodes":[{"id":"t","type":"text","data":{"text":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}},' +
        '{"id":"__proto__","type":"text"}],"edges":[],"__proto__":{"polluted":true}}',
    );
    const result = validateWorkflow(hostile, testRegistry);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'E_SCHEMA', path: ['nodes', 1, 'id'] }),
    ]);
    const ok = validateWorkflow({ nodes: [hostile.nodes[0]], edges: [] }, testRegistry);
    expect(ok.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(ok.workflow!.nodes[0]!.data)).toBe(Object.prototype);
  });

  it('treats built-in object keys as unknown handles, never as ports', () => {
    const edge = (sourceHandle: string, targetHandle: string) => ({
      nodes: [
        { id: 't', type: 'text' },
        { id: 'd', type: 'debug' },
      ],
      edges: [{ id: 'e', source: 't', sourceHandle, target: 'd', targetHandle }],
    });
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      expect(validateWorkflow(edge(key, 'value'), testRegistry).issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'E_MISSING_HANDLE',
            edgeId: 'e',
            path: ['edges', 0, 'sourceHandle'],
          }),
        ]),
      );
      expect(validateWorkflow(edge('text', key), testRegistry).issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'E_MISSING_HANDLE',
            edgeId: 'e',
            path: ['edges', 0, 'targetHandle'],
          }),
        ]),
      );
    }
  });

  it('derives template inputs from its {{placeholders}}', () => {
    const wf = {
      nodes: [
        { id: 't', type: 'text' },
        { id: 'tpl', type: 'template', data: { template: 'Hi {{name}}, {{ day }}' } },
      ],
      edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'tpl', targetHandle: 'name' }],
    };
    expect(validateWorkflow(wf, testRegistry).issues).toEqual([
      expect.objectContaining({
        code: 'E_MISSING_INPUT',
        nodeId: 'tpl',
        message: expect.stringContaining('day'),
      }),
    ]);
  });
});

describe('validateConnection', () => {
  const wf = {
    nodes: [
      { id: 't', type: 'text' },
      { id: 'n', type: 'needs_text' },
      { id: 'd', type: 'debug' },
      { id: 'd2', type: 'debug' },
    ],
    edges: [
      { id: 'e1', source: 't', sourceHandle: 'text', target: 'n', targetHandle: 'text' },
      { id: 'e2', source: 'n', sourceHandle: 'image', target: 'd', targetHandle: 'value' },
    ],
  };
  const check = (source: string, sourceHandle: string, target: string, targetHandle: string) => {
    const result = validateConnection(
      wf,
      { source, sourceHandle, target, targetHandle },
      testRegistry,
    );
    return result.ok ? 'ok' : result.issue.code;
  };

  it('accepts fitting ports and explains every refusal', () => {
    expect(check('d', 'value', 'd2', 'value')).toBe('ok');
    expect(check('n', 'image', 'n', 'text')).toBe('E_SELF_LOOP');
    expect(check('d', 'value', 'n', 'text')).toBe('E_INPUT_TAKEN');
    expect(check('t', 'text', 'n', 'text')).toBe('E_DUPLICATE_EDGE');
    expect(check('d', 'value', 't', 'nope')).toBe('E_MISSING_HANDLE');
    expect(check('d2', 'value', 'n', 'extra')).toBe('ok');
    expect(check('n', 'image', 'n', 'extra')).toBe('E_SELF_LOOP');
    // d is downstream of n: feeding it back into n would close a loop.
    expect(check('d', 'value', 'n', 'extra')).toBe('E_CYCLE');
  });

  it('refuses object-prototype keys as handles while the user drags', () => {
    for (const key of ['constructor', 'toString', '__proto__']) {
      expect(check('t', key, 'd2', 'value')).toBe('E_MISSING_HANDLE');
      expect(check('t', 'text', 'd2', key)).toBe('E_MISSING_HANDLE');
    }
  });

  it('refuses a connection that would close a cycle', () => {
    const chain = {
      ...wf,
      edges: [
        ...wf.edges,
        { id: 'e3', source: 'd', sourceHandle: 'value', target: 'd2', targetHandle: 'value' },
      ],
    };
    const result = validateConnection(
      chain,
      { source: 'd2', sourceHandle: 'value', target: 'n', targetHandle: 'extra' },
      testRegistry,
    );
    expect(result).toEqual({ ok: false, issue: expect.objectContaining({ code: 'E_CYCLE' }) });
  });

  it('refuses an image output into a text input with the reason', () => {
    const result = validateConnection(
      wf,
      { source: 'n', sourceHandle: 'image', target: 'd2', targetHandle: 'value' },
      testRegistry,
    );
    expect(result.ok).toBe(true);
    const mismatch = validateConnection(
      { nodes: [...wf.nodes, { id: 'n2', type: 'needs_text' }], edges: wf.edges },
      { source: 'n', sourceHandle: 'image', target: 'n2', targetHandle: 'text' },
      testRegistry,
    );
    expect(mismatch.ok ? '' : mismatch.issue.message).toMatch(
      /image output cannot feed the text input/,
    );
  });
});

describe('registry and definitions', () => {
  it('refuses a duplicate type with a typed error', () => {
    expect(() => createRegistry([...builtinNodes, ...builtinNodes.slice(0, 1)])).toThrow(
      expect.objectContaining({ code: 'E_DUPLICATE_NODE_TYPE' }),
    );
    try {
      createRegistry([...builtinNodes, builtinNodes[0]!]);
    } catch (error) {
      expect(error).toBeInstanceOf(GalaxyError);
      expect((error as GalaxyError).message).toContain('"text"');
    }
  });

  it('refuses port names that are not identifiers', () => {
    expect(() =>
      defineNode({
        type: 'bad',
        label: 'Bad',
        category: 'X',
        inputs: { __proto__: { type: 'text' } } as never,
        outputs: {},
        data: z.object({}),
        run: () => ({}),
      }),
    ).not.toThrow(); // object literal __proto__ sets the prototype, it is not a key
    expect(() =>
      defineNode({
        type: 'bad',
        label: 'Bad',
        category: 'X',
        inputs: { 'my port': { type: 'text' } },
        outputs: {},
        data: z.object({}),
        run: () => ({}),
      }),
    ).toThrow(expect.objectContaining({ code: 'E_INVALID_NODE_DEFINITION' }));
    expect(() =>
      defineNode({
        type: 'has space',
        label: 'Bad',
        category: 'X',
        inputs: {},
        outputs: {},
        data: z.object({}),
        run: () => ({}),
      }),
    ).toThrow(expect.objectContaining({ code: 'E_INVALID_NODE_DEFINITION' }));
  });

  it('lists categories in first-seen order and extends immutably', () => {
    const registry = createRegistry(builtinNodes);
    expect(registry.categories()).toEqual([
      'Input',
      'Text',
      'AI',
      'Transform',
      'Flow',
      'Integrations',
      'Output',
      'Workflow',
    ]);
    const extended = registry.extend([testRegistry.get('step')!]);
    expect(extended.has('step')).toBe(true);
    expect(registry.has('step')).toBe(false);
  });
});
