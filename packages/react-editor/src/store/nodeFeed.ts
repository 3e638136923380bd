import type { ValidationIssue } from '@galaxyflow/engine';
import type { NodeRunState } from '../types';
import type { EditorState, EditorStore } from './createEditorStore';

/** What one node on the canvas shows of the run and of validation. */
export interface NodeSlice {
  runState: NodeRunState | undefined;
  issues: ValidationIssue[] | undefined;
}

/**
 * One subscription to the editor store for every node and edge of the canvas, with listeners
 * keyed by node id. A node used to hold several store subscriptions of its own, so every
 * store change ran thousands of selectors on a large graph; here a change that touches
 * neither the run nor the issues costs two comparisons, and one that does wakes only the
 * nodes whose slice changed.
 */
export interface NodeFeed {
  /** The node's slice now; the same object until its run state or issues change. */
  slice(id: string): NodeSlice;
  /** Calls `listener` whenever the slice of `id` changes; returns the unsubscribe. */
  subscribe(id: string, listener: () => void): () => void;
}

export function createNodeFeed(store: EditorStore): NodeFeed {
  const listeners = new Map<string, Set<() => void>>();
  const slices = new Map<string, NodeSlice>();
  let unsubscribeStore: (() => void) | null = null;

  const changed = (state: EditorState, previous: EditorState) => {
    if (state.run === previous.run && state.issuesByNode === previous.issuesByNode) return;
    const nodes = state.run?.nodes;
    const before = previous.run?.nodes;
    for (const [id, set] of listeners) {
      if (nodes?.[id] === before?.[id] && state.issuesByNode[id] === previous.issuesByNode[id]) continue;
      for (const listener of set) listener();
    }
  };

  return {
    slice(id) {
      const state = store.getState();
      const runState = state.run?.nodes[id];
      const issues = state.issuesByNode[id];
      const cached = slices.get(id);
      if (cached && cached.runState === runState && cached.issues === issues) return cached;
      const next = { runState, issues };
      slices.set(id, next);
      return next;
    },
    subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) {
        set = new Set();
        listeners.set(id, set);
      }
      set.add(listener);
      unsubscribeStore ??= store.subscribe(changed);
      return () => {
        set.delete(listener);
        if (set.size > 0) return;
        listeners.delete(id);
        slices.delete(id);
        if (listeners.size === 0) {
          unsubscribeStore?.();
          unsubscribeStore = null;
        }
      };
    },
  };
}
