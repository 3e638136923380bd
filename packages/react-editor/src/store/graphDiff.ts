import { stableStringify, type WorkflowInput } from '@galaxyflow/engine';

/** What one graph changed from another, node by node; ids are the nodes'. */
export interface GraphDiff {
  /** In `after` only. */
  added: string[];
  /** In `before` only. */
  removed: string[];
  /** In both, with another type, other settings or other connections. */
  changed: string[];
  /** In both and otherwise the same, at another position. */
  moved: string[];
  edgesAdded: number;
  edgesRemoved: number;
}

type GraphLike = Pick<WorkflowInput, 'nodes' | 'edges'>;

const edgeKey = (edge: GraphLike['edges'][number]) =>
  `${edge.source}.${edge.sourceHandle ?? ''}->${edge.target}.${edge.targetHandle ?? ''}`;

/** Compares two graphs by node id; a node whose connections changed counts as changed. */
export function diffGraphs(before: GraphLike | undefined, after: GraphLike): GraphDiff {
  const old = new Map((before?.nodes ?? []).map((node) => [node.id, node]));
  const now = new Map(after.nodes.map((node) => [node.id, node]));
  const oldEdges = new Set((before?.edges ?? []).map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  const rewired = new Set<string>();
  let edgesAdded = 0;
  let edgesRemoved = 0;
  for (const edge of after.edges) {
    if (oldEdges.has(edgeKey(edge))) continue;
    edgesAdded += 1;
    rewired.add(edge.source).add(edge.target);
  }
  for (const edge of before?.edges ?? []) {
    if (newEdges.has(edgeKey(edge))) continue;
    edgesRemoved += 1;
    rewired.add(edge.source).add(edge.target);
  }
  const diff: GraphDiff = {
    added: [],
    removed: [],
    changed: [],
    moved: [],
    edgesAdded,
    edgesRemoved,
  };
  for (const [id, node] of now) {
    const was = old.get(id);
    if (!was) diff.added.push(id);
    else if (
      was.type !== node.type ||
      stableStringify(was.data ?? {}) !== stableStringify(node.data ?? {}) ||
      rewired.has(id)
    ) {
      diff.changed.push(id);
    } else if (was.position?.x !== node.position?.x || was.position?.y !== node.position?.y)
      diff.moved.push(id);
  }
  for (const id of old.keys()) if (!now.has(id)) diff.removed.push(id);
  return diff;
}

/** True when nothing but positions changed (or nothing at all). */
export function isLayoutOnly(diff: GraphDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** One line a person reads: "2 nodes added, 1 removed, 1 changed". */
export function describeDiff(diff: GraphDiff): string {
  const parts: string[] = [];
  if (diff.added.length > 0) parts.push(`${plural(diff.added.length, 'node', 'nodes')} added`);
  if (diff.removed.length > 0)
    parts.push(
      `${parts.length ? diff.removed.length : plural(diff.removed.length, 'node', 'nodes')} removed`,
    );
  if (diff.changed.length > 0)
    parts.push(
      `${parts.length ? diff.changed.length : plural(diff.changed.length, 'node', 'nodes')} changed`,
    );
  if (parts.length > 0) return parts.join(', ');
  if (diff.moved.length > 0) return `${plural(diff.moved.length, 'node', 'nodes')} moved`;
  if (diff.edgesAdded + diff.edgesRemoved > 0) return 'Connections changed';
  return 'No changes to the graph';
}
