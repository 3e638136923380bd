/**
 * Graph algorithms over a workflow's nodes and edges, on integer indices so they stay
 * linear and allocation-light at 100,000 nodes. Node index = position in `nodes`.
 */

export interface GraphIndex {
  /** Node ids by index. */
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Successor indices per node, one entry per edge (a pair linked twice appears twice). */
  readonly out: readonly number[][];
  /** Predecessor indices per node, one entry per edge. */
  readonly in: readonly number[][];
}

interface Linkable {
  source: string;
  target: string;
}

/** Builds the adjacency index. Edges whose ends are not both nodes are left out. */
export function buildGraphIndex(nodes: readonly { id: string }[], edges: readonly Linkable[]): GraphIndex {
  const ids = nodes.map((n) => n.id);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) if (!indexOf.has(ids[i]!)) indexOf.set(ids[i]!, i);
  const out: number[][] = ids.map(() => []);
  const inn: number[][] = ids.map(() => []);
  for (const edge of edges) {
    const s = indexOf.get(edge.source);
    const t = indexOf.get(edge.target);
    if (s === undefined || t === undefined) continue;
    out[s]!.push(t);
    inn[t]!.push(s);
  }
  return { ids, indexOf, out, in: inn };
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
  for (let i = 0; i < n; i++) indegree[i] = graph.in[i]!.length;
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
    for (const v of graph.out[u]!) {
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
      const succ = graph.out[u]!;
      const k = cursor[top]!;
      if (k >= succ.length) {
        color[u] = 2;
        stack.pop();
        cursor.pop();
        continue;
      }
      cursor[top] = k + 1;
      const v = succ[k]!;
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

/** Every node reachable from `start` along `adjacency` (start excluded unless reached again). */
export function reachable(adjacency: readonly number[][], start: readonly number[]): Uint8Array {
  const marked = new Uint8Array(adjacency.length);
  const queue: number[] = [];
  for (const s of start) {
    for (const v of adjacency[s]!) {
      if (!marked[v]) {
        marked[v] = 1;
        queue.push(v);
      }
    }
  }
  for (let head = 0; head < queue.length; head++) {
    for (const v of adjacency[queue[head]!]!) {
      if (!marked[v]) {
        marked[v] = 1;
        queue.push(v);
      }
    }
  }
  return marked;
}

/** Ids of every ancestor of the given nodes. */
export function ancestorsOf(graph: GraphIndex, nodeIds: readonly string[]): Set<string> {
  return idsOf(graph, reachable(graph.in, indicesOf(graph, nodeIds)));
}

/** Ids of every descendant of the given nodes. */
export function descendantsOf(graph: GraphIndex, nodeIds: readonly string[]): Set<string> {
  return idsOf(graph, reachable(graph.out, indicesOf(graph, nodeIds)));
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
    for (const v of graph.out[queue[head]!]!) {
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
