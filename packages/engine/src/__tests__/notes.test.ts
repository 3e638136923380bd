import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import { runWorkflow } from '../run/index';
import { validateConnection, validateWorkflow } from '../validate';

const registry = createRegistry(builtinNodes);

const note = (
  id: string,
  data: Record<string, unknown> = { text: '# Why\nThis asks a question.' },
) => ({
  id,
  type: 'note',
  position: { x: 0, y: -200 },
  data,
});

const chain = {
  nodes: [
    { id: 'q', type: 'text', position: { x: 0, y: 0 }, data: { text: 'hello' } },
    note('n1'),
    { id: 'show', type: 'debug', position: { x: 300, y: 0 }, data: {} },
  ],
  edges: [{ id: 'e1', source: 'q', sourceHandle: 'text', target: 'show', targetHandle: 'value' }],
};

describe('sticky notes', () => {
  it('are not node types: a workflow with notes validates, and what runs has none', () => {
    expect(registry.get('note')).toBeUndefined();
    const result = validateWorkflow(chain, registry);
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.workflow?.nodes.map((node) => node.id)).toEqual(['q', 'show']);
  });

  it('never run: the run starts, finishes and reports only the real nodes', async () => {
    const events: string[] = [];
    const snapshot = await runWorkflow(chain, {
      registry,
      onEvent: (event) =>
        events.push(`${event.type}${'nodeId' in event ? `:${event.nodeId}` : ''}`),
    });
    expect(snapshot.status).toBe('SUCCESS');
    expect(Object.keys(snapshot.nodes).sort()).toEqual(['q', 'show']);
    expect(events.some((event) => event.endsWith(':n1'))).toBe(false);
  });

  it('refuse edges, with a code of their own, and keep the paths of the other issues right', () => {
    const wired = {
      nodes: [
        note('n1'),
        ...chain.nodes.filter((node) => node.type !== 'note'),
        { id: 'llm', type: 'llm', position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [
        { id: 'bad', source: 'q', sourceHandle: 'text', target: 'n1', targetHandle: 'in' },
        ...chain.edges,
      ],
    };
    const result = validateWorkflow(wired, registry);
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({
      code: 'E_NOTE_CONNECTED',
      edgeId: 'bad',
      nodeId: 'n1',
      path: ['edges', 0],
    });
    // The LLM node is index 3 in the document as sent, not index 2 of the graph without the note.
    expect(result.issues.find((issue) => issue.code === 'E_MISSING_INPUT')).toMatchObject({
      nodeId: 'llm',
    });
    const pathOfLlm = result.issues
      .filter((issue) => issue.nodeId === 'llm' && issue.path?.[0] === 'nodes')
      .map((issue) => issue.path?.[1]);
    for (const index of pathOfLlm) expect(index).toBe(3);
    const check = validateConnection(
      wired,
      { source: 'q', sourceHandle: 'text', target: 'n1', targetHandle: 'x' },
      registry,
    );
    expect(check).toMatchObject({ ok: false, issue: { code: 'E_NOTE_CONNECTED' } });
  });

  it('check their own data: bounded text, a known colour', () => {
    const result = validateWorkflow(
      { nodes: [note('n1', { text: 'x', color: 'plaid' })], edges: [] },
      registry,
    );
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({
      code: 'E_INVALID_DATA',
      nodeId: 'n1',
      path: ['nodes', 0, 'data', 'color'],
    });
    expect(
      validateWorkflow({ nodes: [note('n1', { text: 'x'.repeat(10_001) })], edges: [] }, registry)
        .ok,
    ).toBe(false);
  });

  it('still count towards the node limit', () => {
    const many = { nodes: [note('a'), note('b'), note('c')], edges: [] };
    expect(validateWorkflow(many, registry, { limits: { maxNodes: 2 } }).issues[0]?.code).toBe(
      'E_LIMIT_NODES',
    );
  });
});
