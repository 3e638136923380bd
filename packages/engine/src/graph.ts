/**
 * Graph algorithms over a workflow's nodes and edges, on integer indices so they stay
 * linear and allocation-light at 100,000 nodes. Node index = position in `nodes`.
 */

export interface GraphIndex {
  /** Node ids by index. */
  readonly ids: readonly string[];
  /** Index of each id (its first occurrence). */
  readonly indexOf: ReadonlyMap<string, number>;
  /** Indices of nodes whose id already appeared earlier. */
  readonly duplicateIds: readonly number[];
  /**
   * Successors in compressed sparse rows: those of node u are
   * `outList[outStart[u]] .. outList[outStart[u + 1] - 1]`, one entry per edge.
   */
  readonly outStart: Int32Array;
  readonly outList: Int32Array;
  /** Predecessors, laid out like the successors. */
  readonly inStart: Int32Array;
  readonly inList: Int32Array;
  /** The edge index of each `inList` entry: a node's in-edges in workflow order. */
  readonly inEdge: Int32Array;
  /** Per edge: the index of its source and target node, or -1 when there is no such node. */
  readonly edgeSource: Int32Array;
  readonly edgeTarget: Int32Array;
}

interface Linkable {
  source: string;
  target: string;
}

/**
 * Builds the adjacency index in flat typed arrays: no array per node, so 100,000-node
 * graphs cost a few allocations instead of 200,000. Edges with a missing end and
 * self loops are left out of the adjacency (validation reports both).
 */
export function buildGraphIndex(nodes: readonly { id: string }[], edges: readonly Linkable[]): GraphIndex {
  const n = nodes.length;
  const m = edges.length;
  const ids = new Array<string>(n);
  const indexOf = new Map<string, number>();
  const duplicateIds: number[] = [];
  // One map operation per node: an id seen before leaves the size unchanged. Duplicates are
  // rare (and an error), so only then is the map rebuilt keeping each id's first index.
  for (let i = 0; i < n; i++) {
    const id = nodes[i]!.id;
    ids[i] = id;
    const size = indexOf.size;
    if (indexOf.set(id, i).size === size) duplicateIds.push(i);
  }
  if (duplicateIds.length > 0) {
    indexOf.clear();
    for (let i = 0; i < n; i++) if (!indexOf.has(ids[i]!)) indexOf.set(ids[i]!, i);
  }
  const edgeSource = new Int32Array(m);
  const edgeTarget = new Int32Array(m);
  const outStart = new Int32Array(n + 1);
  const inStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const edge = edges[e]!;
    const s = indexOf.get(edge.source) ?? -1;
    const t = indexOf.get(edge.target) ?? -1;
    edgeSource[e] = s;
    edgeTarget[e] = t;
    if (s >= 0 && t >= 0 && s !== t) {
      outStart[s + 1]!++;
      inStart[t + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) {
    outStart[i + 1]! += outStart[i]!;
    inStart[i + 1]! += inStart[i]!;
  }
  const outList = new Int32Array(outStart[n]!);
  const inList = new Int32Array(inStart[n]!);
  const inEdge = new Int32Array(inStart[n]!);
  const outFill = outStart.slice(0, n);
  const inFill = inStart.slice(0, n);
  for (let e = 0; e < m; e++) {
    const s = edgeSource[e]!;
    const t = edgeTarget[e]!;
    if (s >= 0 && t >= 0 && s !== t) {
      outList[outFill[s]!++] = t;
      inEdge[inFill[t]!] = e;
      inList[inFill[t]!++] = s;
    }
  }
  return { ids, indexOf, duplicateIds, outStart, outList, inStart, inList, inEdge, edgeSource, edgeTarget };
}

export interface KahnResult {
  /** Indices in topological order; shorter than the node count when there is a cycle. */
  order: number[];
  /** Longest distance from a root, per node (-1 for nodes on or after a cycle). */
  level: Int32Array;
  /** Whether every node was ordered. */
  acyclic: boolean;
}

/** Kahn's algorithm, computing each node's topological level on the way. */
export function kahn(graph: GraphIndex): KahnResult {
  const n = graph.ids.length;
  const indegree = new Int32Array(n);
  const level = new Int32Array(n).fill(-1);
  const { inStart, outStart, outList } = graph;
  for (let i = 0; i < n; i++) indegree[i] = inStart[i + 1]! - inStart[i]!;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    if (indegree[i] === 0) {
      order.push(i);
      level[i] = 0;
    }
  }
  for (let head = 0; head < order.length; head++) {
    const u = order[head]!;
    const next = level[u]! + 1;
    for (let k = outStart[u]!, end = outStart[u + 1]!; k < end; k++) {
      const v = outList[k]!;
      if (level[v]! < next) level[v] = next;
      if (--indegree[v]! === 0) order.push(v);
    }
  }
  if (order.length < n) {
    for (let i = 0; i < n; i++) if (indegree[i]! > 0) level[i] = -1;
  }
  return { order, level, acyclic: order.length === n };
}

/**
 * Concrete cycles, each as node ids in edge order (the first id is not repeated at the end).
 * Iterative DFS over the nodes Kahn could not order; at most `limit` cycles.
 */
export function findCycles(graph: GraphIndex, limit = 10): string[][] {
  const { order, acyclic } = kahn(graph);
  if (acyclic) return [];
  const n = graph.ids.length;
  const ordered = new Uint8Array(n);
  for (const i of order) ordered[i] = 1;
  const color = new Uint8Array(n); // 0 white, 1 on stack, 2 done
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (let root = 0; root < n && cycles.length < limit; root++) {
    if (ordered[root] || color[root]) continue;
    const stack: number[] = [root];
    const cursor: number[] = [0];
    color[root] = 1;
    while (stack.length > 0 && cycles.length < limit) {
      const top = stack.length - 1;
      const u = stack[top]!;
      const k = graph.outStart[u]! + cursor[top]!;
      if (k >= graph.outStart[u + 1]!) {
        color[u] = 2;
        stack.pop();
        cursor.pop();
        continue;
      }
      cursor[top]!++;
      const v = graph.outList[k]!;
      if (ordered[v]) continue;
      if (color[v] === 1) {
        const cycle = stack.slice(stack.lastIndexOf(v)).map((i) => graph.ids[i]!);
        const key = [...cycle].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (color[v] === 0) {
        color[v] = 1;
        stack.push(v);
        cursor.push(0);
      }
    }
  }
  return cycles;
}

/** Every node reachable from `start` along CSR rows (start excluded unless reached again). */
export function reachable(rowStart: Int32Array, rowList: Int32Array, start: readonly number[]): Uint8Array {
  const marked = new Uint8Array(rowStart.length - 1);
  const queue: number[] = [];
  const visit = (u: number) => {
    for (let k = rowStart[u]!, end = rowStart[u + 1]!; k < end; k++) {
      const v = rowList[k]!;
      if (!marked[v]) {
        marked[v] = 1;
        queue.push(v);
      }
    }
  };
  for (const s of start) visit(s);
  for (let head = 0; head < queue.length; head++) visit(queue[head]!);
  return marked;
}

/** Ids of every ancestor of the given nodes. */
export function ancestorsOf(graph: GraphIndex, nodeIds: readonly string[]): Set<string> {
  return idsOf(graph, reachable(graph.inStart, graph.inList, indicesOf(graph, nodeIds)));
}

/** Ids of every descendant of the given nodes. */
export function descendantsOf(graph: GraphIndex, nodeIds: readonly string[]): Set<string> {
  return idsOf(graph, reachable(graph.outStart, graph.outList, indicesOf(graph, nodeIds)));
}

/** Whether adding an edge source -> target would close a cycle (target already reaches source). */
export function wouldCreateCycle(graph: GraphIndex, source: string, target: string): boolean {
  if (source === target) return true;
  const s = graph.indexOf.get(source);
  const t = graph.indexOf.get(target);
  if (s === undefined || t === undefined) return false;
  const marked = new Uint8Array(graph.ids.length);
  const queue = [t];
  marked[t] = 1;
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    for (let k = graph.outStart[u]!, end = graph.outStart[u + 1]!; k < end; k++) {
      const v = graph.outList[k]!;
      if (v === s) return true;
      if (!marked[v]) {
        marked[v] = 1;
        queue.push(v);
      }
    }
  }
  return false;
}

/**
 * Node ids in a deterministic topological order: by level, then by id.
 * Returns null when the graph has a cycle.
 */
export function topologicalOrder(nodes: readonly { id: string }[], edges: readonly Linkable[]): string[] | null {
  const graph = buildGraphIndex(nodes, edges);
  const { level, acyclic } = kahn(graph);
  if (!acyclic) return null;
  return graph.ids
    .map((id, i) => ({ id, level: level[i]! }))
    .sort((a, b) => a.level - b.level || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((entry) => entry.id);
}

function indicesOf(graph: GraphIndex, nodeIds: readonly string[]): number[] {
  const out: number[] = [];
  for (const id of nodeIds) {
    const i = graph.indexOf.get(id);
    if (i !== undefined) out.push(i);
  }
  return out;
}

function idsOf(graph: GraphIndex, marked: Uint8Array): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < marked.length; i++) if (marked[i]) out.add(graph.ids[i]!);
  return out;
}
