import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { describe, expect, it } from 'vitest';
import { materializePaste } from '../store/clipboard';
import { createEditorStore } from '../store/createEditorStore';
import { toWorkflow } from '../store/convert';

const registry = createRegistry(builtinNodes);

function setup(options: { historyLimit?: number } = {}) {
  let clock = 1_000;
  const store = createEditorStore({ registry, now: () => clock, ...options });
  const { actions } = store.getState();
  const history = () => store.temporal.getState();
  return {
    store,
    actions,
    history,
    tick: (ms: number) => {
      clock += ms;
    },
    node: (id: string) => store.getState().nodes.find((node) => node.id === id)!,
  };
}

describe('undo history', () => {
  it('makes each discrete edit one step, and undo/redo walk them back and forth', () => {
    const { store, actions, history } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    const b = actions.addNode('debug', { x: 300, y: 0 })!;
    actions.connect({ source: a, sourceHandle: 'text', target: b, targetHandle: 'value' });
    expect(history().pastStates).toHaveLength(3);

    actions.undo();
    expect(store.getState().edges).toHaveLength(0);
    actions.undo();
    expect(store.getState().nodes.map((n) => n.id)).toEqual([a]);
    actions.redo();
    actions.redo();
    expect(store.getState().nodes).toHaveLength(2);
    expect(store.getState().edges).toHaveLength(1);
  });

  it('records a whole drag gesture as one step that undo returns to the start position', () => {
    const { actions, history, node } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    const steps = history().pastStates.length;

    actions.beginGesture('drag');
    for (let i = 1; i <= 30; i++) {
      actions.onNodesChange([{ type: 'position', id: a, position: { x: i * 10, y: i * 5 }, dragging: true }]);
    }
    actions.endGesture();
    expect(node(a).position).toEqual({ x: 300, y: 150 });
    expect(node(a).dragging).toBeFalsy();
    expect(history().pastStates.length).toBe(steps + 1);

    actions.undo();
    expect(node(a).position).toEqual({ x: 0, y: 0 });
    actions.redo();
    expect(node(a).position).toEqual({ x: 300, y: 150 });
  });

  it('coalesces a burst of typing in one field into one step, and a pause starts a new one', () => {
    const { actions, history, node, tick } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    const steps = history().pastStates.length;
    let text = '';
    for (const char of 'hello') {
      text += char;
      actions.updateNodeData(a, { text }, { burst: 'text' });
      tick(120);
    }
    expect(history().pastStates.length).toBe(steps + 1);

    tick(5_000);
    actions.updateNodeData(a, { text: 'hello world' }, { burst: 'text' });
    expect(history().pastStates.length).toBe(steps + 2);

    actions.undo();
    expect(node(a).data.text).toBe('hello');
    actions.undo();
    expect(node(a).data.text).toBe('');
  });

  it('starts a new step when the user moves to another field', () => {
    const { actions, history } = setup();
    const a = actions.addNode('json', { x: 0, y: 0 })!;
    const steps = history().pastStates.length;
    actions.updateNodeData(a, { path: 'a' }, { burst: 'path' });
    actions.updateNodeData(a, { mode: 'pick' }, { burst: 'mode' });
    actions.updateNodeData(a, { path: 'ab' }, { burst: 'path' });
    expect(history().pastStates.length).toBe(steps + 3);
  });

  it('does not count selection, measuring or viewport-free changes as steps', () => {
    const { store, actions, history } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    const steps = history().pastStates.length;
    actions.clearSelection();
    actions.onNodesChange([{ type: 'select', id: a, selected: true }]);
    actions.onNodesChange([{ type: 'dimensions', id: a, dimensions: { width: 240, height: 120 } }]);
    actions.selectAll();
    expect(history().pastStates.length).toBe(steps);
    expect(store.getState().nodes[0]!.selected).toBe(true);
  });

  it('keeps the current selection across undo', () => {
    const { store, actions } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    actions.updateNodeData(a, { text: 'x' });
    actions.clearSelection();
    actions.undo();
    expect(store.getState().nodes[0]!.selected).toBeFalsy();
  });

  it('keeps at most historyLimit steps, dropping the oldest', () => {
    const { store, actions, history } = setup({ historyLimit: 5 });
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    for (let i = 1; i <= 12; i++) actions.updateNodeData(a, { text: `v${i}` });
    expect(history().pastStates).toHaveLength(5);
    for (let i = 0; i < 10; i++) actions.undo();
    expect(store.getState().nodes[0]!.data.text).toBe('v7');
  });

  it('bounds gesture steps by the same limit', () => {
    const { actions, history } = setup({ historyLimit: 3 });
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    for (let i = 1; i <= 6; i++) {
      actions.beginGesture('drag');
      actions.onNodesChange([{ type: 'position', id: a, position: { x: i, y: 0 }, dragging: true }]);
      actions.endGesture();
    }
    expect(history().pastStates).toHaveLength(3);
  });

  it('clears redo after a new edit', () => {
    const { actions, history } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 })!;
    actions.updateNodeData(a, { text: 'one' });
    actions.undo();
    expect(history().futureStates).toHaveLength(1);
    actions.updateNodeData(a, { text: 'two' });
    expect(history().futureStates).toHaveLength(0);
  });
});

describe('copy and paste', () => {
  it('pastes copies with new ids, offset, with the edges between copied nodes only', () => {
    const { store, actions } = setup();
    const a = actions.addNode('text', { x: 0, y: 0 }, { text: 'hi' })!;
    const b = actions.addNode('debug', { x: 300, y: 0 })!;
    const c = actions.addNode('debug', { x: 600, y: 0 })!;
    actions.connect({ source: a, sourceHandle: 'text', target: b, targetHandle: 'value' });
    actions.connect({ source: b, sourceHandle: 'value', target: c, targetHandle: 'value' });
    store.setState({ nodes: store.getState().nodes.map((n) => ({ ...n, selected: n.id !== c })) });

    const payload = actions.copySelection()!;
    const pasted = actions.paste(payload);
    const state = store.getState();
    expect(pasted).toHaveLength(2);
    expect(new Set(state.nodes.map((n) => n.id)).size).toBe(5);
    for (const id of pasted) expect([a, b, c]).not.toContain(id);
    const copyOfA = state.nodes.find((n) => n.id === pasted[0])!;
    expect(copyOfA.position).toEqual({ x: 40, y: 40 });
    expect(copyOfA.data).toEqual({ text: 'hi' });
    const newEdges = state.edges.filter((e) => pasted.includes(e.source));
    expect(newEdges).toHaveLength(1);
    expect(newEdges[0]!.target).toBe(pasted[1]);
    // The pasted nodes are the new selection.
    expect(state.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(pasted);
  });

  it('pastes the same payload twice without id collisions', () => {
    const payload = {
      format: 'galaxyflow/clipboard@1' as const,
      nodes: [{ id: 'x', type: 'text', data: {}, position: { x: 0, y: 0 } }],
      edges: [],
    };
    const first = materializePaste(payload, { x: 0, y: 0 });
    const second = materializePaste(payload, { x: 0, y: 0 });
    expect(first.nodes[0]!.id).not.toBe(second.nodes[0]!.id);
  });

  it('offsets each paste of the same clipboard further, instead of stacking copies on one spot', () => {
    const { store, actions } = setup();
    const a = actions.addNode('text', { x: 100, y: 100 }, { text: 'hi' })!;
    const b = actions.addNode('debug', { x: 400, y: 100 })!;
    actions.connect({ source: a, sourceHandle: 'text', target: b, targetHandle: 'value' });
    actions.selectAll();
    const payload = actions.copySelection()!;
    const positionsOf = (ids: string[]) => ids.map((id) => store.getState().nodes.find((n) => n.id === id)!.position);

    const first = actions.paste(payload);
    const second = actions.paste(payload);
    // A clipboard read again is a new object with the same content: it cascades all the same.
    const third = actions.paste(JSON.parse(JSON.stringify(payload)));
    expect(positionsOf(first)).toEqual([{ x: 140, y: 140 }, { x: 440, y: 140 }]);
    expect(positionsOf(second)).toEqual([{ x: 180, y: 180 }, { x: 480, y: 180 }]);
    expect(positionsOf(third)).toEqual([{ x: 220, y: 220 }, { x: 520, y: 220 }]);
    // Each copy keeps its own edge.
    expect(store.getState().edges).toHaveLength(4);
  });

  it('reuses a spot that an undone or moved-away copy left free', () => {
    const { store, actions } = setup();
    actions.addNode('text', { x: 0, y: 0 });
    const payload = actions.copySelection()!;
    const at = (id: string) => store.getState().nodes.find((n) => n.id === id)!.position;

    const first = actions.paste(payload);
    actions.paste(payload);
    actions.undo(); // the second copy goes
    const again = actions.paste(payload);
    expect(at(again[0]!)).toEqual({ x: 80, y: 80 });

    actions.onNodesChange([{ type: 'position', id: first[0]!, position: { x: 500, y: 0 } }]);
    const intoTheGap = actions.paste(payload);
    expect(at(intoTheGap[0]!)).toEqual({ x: 40, y: 40 });
  });

  it('pastes at exactly the offset a caller gives', () => {
    const { store, actions } = setup();
    actions.addNode('text', { x: 0, y: 0 });
    const payload = actions.copySelection()!;
    actions.paste(payload);
    const [id] = actions.paste(payload, { x: 40, y: 40 });
    expect(store.getState().nodes.find((n) => n.id === id)!.position).toEqual({ x: 40, y: 40 });
  });

  it('moves nodes between two editors with cut and paste', () => {
    const one = setup();
    const two = setup();
    const a = one.actions.addNode('text', { x: 10, y: 10 }, { text: 'moving' })!;
    const payload = one.actions.cutSelection()!;
    expect(one.store.getState().nodes).toHaveLength(0);
    two.actions.paste(payload);
    const moved = two.store.getState().nodes;
    expect(moved).toHaveLength(1);
    expect(moved[0]!.data.text).toBe('moving');
    expect(moved[0]!.id).not.toBe(a);
  });
});

describe('connections', () => {
  it('refuses what the engine refuses, with its reason, and adds nothing', () => {
    const { store, actions } = setup();
    const text = actions.addNode('text', { x: 0, y: 0 })!;
    const other = actions.addNode('text', { x: 0, y: 200 })!;
    const json = actions.addNode('json', { x: 300, y: 0 })!;
    const debug = actions.addNode('debug', { x: 600, y: 0 })!;

    expect(actions.connect({ source: json, sourceHandle: 'json', target: debug, targetHandle: 'value' }).ok).toBe(true);
    const taken = actions.connect({ source: text, sourceHandle: 'text', target: debug, targetHandle: 'value' });
    expect(taken).toMatchObject({ ok: false, issue: { code: 'E_INPUT_TAKEN' } });

    expect(actions.connect({ source: text, sourceHandle: 'text', target: json, targetHandle: 'value' }).ok).toBe(true);
    const cycle = actions.connect({ source: debug, sourceHandle: 'value', target: json, targetHandle: 'value' });
    expect(cycle.ok).toBe(false);

    const self = actions.connect({ source: json, sourceHandle: 'json', target: json, targetHandle: 'value' });
    expect(self).toMatchObject({ ok: false, issue: { code: 'E_SELF_LOOP' } });
    const missing = actions.connect({ source: other, sourceHandle: 'nope', target: json, targetHandle: 'value' });
    expect(missing.ok).toBe(false);
    expect(store.getState().edges).toHaveLength(2);
  });

  it('drops edges of template placeholders that were typed away, in the same step', () => {
    const { store, actions } = setup();
    const text = actions.addNode('text', { x: 0, y: 0 })!;
    const template = actions.addNode('template', { x: 300, y: 0 }, { template: 'Hi {{name}}' })!;
    expect(actions.connect({ source: text, sourceHandle: 'text', target: template, targetHandle: 'name' }).ok).toBe(true);
    actions.updateNodeData(template, { template: 'Hi {{who}}' });
    expect(store.getState().edges).toHaveLength(0);
    actions.undo();
    expect(store.getState().edges).toHaveLength(1);
    expect(store.getState().nodes[1]!.data.template).toBe('Hi {{name}}');
  });
});

describe('serialization', () => {
  it('saves the engine shape without view state', () => {
    const { actions, store } = setup();
    const a = actions.addNode('text', { x: 5, y: 6 })!;
    const workflow = toWorkflow(store.getState());
    expect(workflow.nodes).toEqual([{ id: a, type: 'text', data: { text: '' }, position: { x: 5, y: 6 } }]);
  });

  it('tidies a chain into left-to-right layers as one step', () => {
    const { actions, store, history } = setup();
    const a = actions.addNode('text', { x: 500, y: 500 })!;
    const b = actions.addNode('json', { x: 0, y: 0 })!;
    const c = actions.addNode('debug', { x: 250, y: -300 })!;
    actions.connect({ source: a, sourceHandle: 'text', target: b, targetHandle: 'value' });
    actions.connect({ source: b, sourceHandle: 'json', target: c, targetHandle: 'value' });
    const steps = history().pastStates.length;
    actions.tidyUp();
    const x = (id: string) => store.getState().nodes.find((n) => n.id === id)!.position.x;
    expect(x(a)).toBeLessThan(x(b));
    expect(x(b)).toBeLessThan(x(c));
    expect(history().pastStates.length).toBe(steps + 1);
  });
});
