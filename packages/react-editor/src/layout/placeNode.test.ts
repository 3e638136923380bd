import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { describe, expect, it } from 'vitest';
import type { EditorDocument, EditorNode } from '../types';
import { NEW_NODE_SIZE, placeNewNode } from './placeNode';

const registry = createRegistry(builtinNodes);
const node = (id: string, type: string, x: number, y: number, selected = false): EditorNode => ({
  id,
  type,
  position: { x, y },
  data: {},
  measured: { width: 280, height: 180 },
  selected,
});
const doc = (...nodes: EditorNode[]): EditorDocument => ({ nodes, edges: [], settings: undefined });
const centre = { x: 500, y: 400 };

function overlapping(a: { x: number; y: number }, b: EditorNode): boolean {
  return (
    a.x < b.position.x + 280 &&
    b.position.x < a.x + NEW_NODE_SIZE.width &&
    a.y < b.position.y + 180 &&
    b.position.y < a.y + NEW_NODE_SIZE.height
  );
}

describe('placeNewNode', () => {
  it('centres the first node on the view', () => {
    const { position, connectFrom } = placeNewNode(doc(), registry, 'text', centre);
    expect(position).toEqual({
      x: centre.x - NEW_NODE_SIZE.width / 2,
      y: centre.y - NEW_NODE_SIZE.height / 2,
    });
    expect(connectFrom).toBeUndefined();
  });

  it('never puts a clicked node on top of another, however many are added', () => {
    const nodes: EditorNode[] = [];
    for (let i = 0; i < 8; i++) {
      const { position } = placeNewNode(doc(...nodes), registry, 'debug', centre);
      for (const other of nodes) expect(overlapping(position, other)).toBe(false);
      nodes.push({
        ...node(`d${i}`, 'debug', position.x, position.y),
        measured: { width: 280, height: 180 },
      });
    }
  });

  it('goes right of the selected node, wired from its output when the ports fit', () => {
    const text = node('q', 'text', 0, 0, true);
    const placement = placeNewNode(doc(text), registry, 'llm', centre);
    expect(placement.position.x).toBeGreaterThan(280);
    expect(placement.position.y).toBe(0);
    expect(placement.connectFrom).toEqual({
      source: 'q',
      sourceHandle: 'text',
      targetHandle: 'prompt',
    });
  });

  it('does not wire when no output fits an input (a Text node has no inputs)', () => {
    const debug = node('d', 'debug', 0, 0, true);
    expect(placeNewNode(doc(debug), registry, 'text', centre).connectFrom).toBeUndefined();
  });
});
