import type { EditorDocument, EditorEdge, EditorNode } from '../types';

/**
 * Whether two node lists describe the same workflow. View state (selection, measured size,
 * dragging) is ignored, so selecting or measuring never counts as an edit.
 */
export function sameNodes(a: readonly EditorNode[], b: readonly EditorNode[], withPosition = true): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.id !== y.id || x.type !== y.type || x.data !== y.data) return false;
    if (withPosition && (x.position.x !== y.position.x || x.position.y !== y.position.y)) return false;
  }
  return true;
}

/** Whether two edge lists connect the same ports, ignoring selection. */
export function sameEdges(a: readonly EditorEdge[], b: readonly EditorEdge[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (
      x.id !== y.id ||
      x.source !== y.source ||
      x.target !== y.target ||
      x.sourceHandle !== y.sourceHandle ||
      x.targetHandle !== y.targetHandle
    ) {
      return false;
    }
  }
  return true;
}

/** Whether two documents would save the same workflow. */
export function sameDocument(a: EditorDocument, b: EditorDocument): boolean {
  return a.settings === b.settings && sameNodes(a.nodes, b.nodes) && sameEdges(a.edges, b.edges);
}

/** Whether two documents validate the same: positions do not matter to the engine. */
export function sameSemantics(a: EditorDocument, b: EditorDocument): boolean {
  return a.settings === b.settings && sameNodes(a.nodes, b.nodes, false) && sameEdges(a.edges, b.edges);
}

/** The document part of any state that holds one. */
export function documentOf(state: EditorDocument): EditorDocument {
  return { nodes: state.nodes, edges: state.edges, settings: state.settings };
}
