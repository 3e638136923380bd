import type { VersionComparison } from '../../store/createEditorStore';
import { diffGraphs } from '../../store/graphDiff';
import type { EditorEdge, EditorNode } from '../../types';

/** The node type that draws a node a compared version had and the canvas no longer has. */
export const REMOVED_NODE_TYPE = 'gf:removed';

const marked = new WeakMap<EditorNode, { kind: string; node: EditorNode }>();

/** The node with the comparison's class; the same copy while the node and its mark are unchanged. */
function mark(node: EditorNode, kind: 'added' | 'changed'): EditorNode {
  const cached = marked.get(node);
  if (cached && cached.kind === kind) return cached.node;
  const copy = { ...node, className: `${node.className ?? ''} gf-diff gf-diff--${kind}`.trim() };
  marked.set(node, { kind, node: copy });
  return copy;
}

/**
 * The canvas's nodes as the comparison with a saved version draws them: added and changed
 * nodes marked, and the nodes the version had that are gone since as dashed placeholders
 * at their old places (not part of the document: nothing can select, move or wire them).
 */
export function nodesWithComparison(
  nodes: EditorNode[],
  edges: EditorEdge[],
  compare: VersionComparison,
): EditorNode[] {
  const diff = diffGraphs(compare.workflow, { nodes, edges });
  const added = new Set(diff.added);
  const changed = new Set(diff.changed);
  const shown = nodes.map((node) =>
    added.has(node.id) ? mark(node, 'added') : changed.has(node.id) ? mark(node, 'changed') : node,
  );
  const removed = new Set(diff.removed);
  for (const [index, old] of compare.workflow.nodes.entries()) {
    if (!removed.has(old.id)) continue;
    shown.push({
      id: `gf:removed:${old.id}`,
      type: REMOVED_NODE_TYPE,
      position: old.position ?? { x: index * 40, y: index * 40 },
      data: { ...(old.data ?? {}), originalType: old.type },
      className: 'gf-diff gf-diff--removed',
      draggable: false,
      selectable: false,
      connectable: false,
      deletable: false,
      focusable: false,
    });
  }
  return shown;
}

const markedEdges = new WeakMap<EditorEdge, EditorEdge>();
const connectionKey = (edge: {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}) => `${edge.source}.${edge.sourceHandle ?? ''}->${edge.target}.${edge.targetHandle ?? ''}`;

/** The canvas's edges with the connections made since the compared version marked as added. */
export function edgesWithComparison(edges: EditorEdge[], compare: VersionComparison): EditorEdge[] {
  const before = new Set(compare.workflow.edges.map(connectionKey));
  return edges.map((edge) => {
    if (before.has(connectionKey(edge))) return edge;
    let copy = markedEdges.get(edge);
    if (!copy) {
      copy = { ...edge, className: `${edge.className ?? ''} gf-diff-edge--added`.trim() };
      markedEdges.set(edge, copy);
    }
    return copy;
  });
}
