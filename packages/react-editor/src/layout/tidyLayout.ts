/** A node as the layout sees it: its id and size. */
export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  /** Current position; breaks ties so a tidy-up keeps the user's rough order. */
  y: number;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** Horizontal gap between layers, in px. Default 80. */
  layerGap?: number;
  /** Vertical gap between nodes of one layer, in px. Default 40. */
  nodeGap?: number;
  /** Ordering sweeps that reduce edge crossings. Default 4. */
  sweeps?: number;
}

/**
 * A small layered (Sugiyama-style) layout, left to right: each node sits one layer after
 * its furthest predecessor, layers are ordered by the barycenter of their neighbours to
 * reduce crossings, and each layer is centred vertically. Edges that close a cycle are
 * ignored. Returns the top-left position of every node.
 */
export function tidyLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: LayoutOptions = {},
): Map<string, { x: number; y: number }> {
  const layerGap = options.layerGap ?? 80;
  const nodeGap = options.nodeGap ?? 40;
  const sweeps = options.sweeps ?? 4;
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const out: number[][] = nodes.map(() => []);
  const inc: number[][] = nodes.map(() => []);
  for (const edge of edges) {
    const s = index.get(edge.source);
    const t = index.get(edge.target);
    if (s === undefined || t === undefined || s === t) continue;
    out[s]!.push(t);
    inc[t]!.push(s);
  }

  // Longest-path layering over a DFS order that drops back edges.
  const layer = new Int32Array(nodes.length);
  const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, next] = top;
      const targets = out[v]!;
      if (next < targets.length) {
        top[1] = next + 1;
        const w = targets[next]!;
        if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        order.push(v);
        stack.pop();
      }
    }
  }
  order.reverse(); // topological order of the acyclic part
  const position = new Int32Array(nodes.length);
  order.forEach((v, i) => {
    position[v] = i;
  });
  for (const v of order) {
    for (const w of out[v]!) {
      if (position[w]! > position[v]!) layer[w] = Math.max(layer[w]!, layer[v]! + 1);
    }
  }

  const layers: number[][] = [];
  nodes.forEach((_, v) => {
    const l = layer[v]!;
    const members = layers[l];
    if (members) members.push(v);
    else layers[l] = [v];
  });
  for (const members of layers) members?.sort((a, b) => nodes[a]!.y - nodes[b]!.y);

  // Barycenter sweeps: down using predecessors, up using successors.
  const rank = new Float64Array(nodes.length);
  const assignRanks = () => {
    for (const members of layers) members?.forEach((v, i) => {
      rank[v] = i;
    });
  };
  assignRanks();
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const down = sweep % 2 === 0;
    const sequence = down ? layers.keys() : [...layers.keys()].reverse();
    for (const l of sequence) {
      const members = layers[l];
      if (!members) continue;
      const score = new Map<number, number>();
      for (const v of members) {
        const neighbours = down ? inc[v]! : out[v]!;
        score.set(v, neighbours.length === 0 ? rank[v]! : neighbours.reduce((sum, w) => sum + rank[w]!, 0) / neighbours.length);
      }
      members.sort((a, b) => score.get(a)! - score.get(b)! || rank[a]! - rank[b]!);
      members.forEach((v, i) => {
        rank[v] = i;
      });
    }
  }

  const result = new Map<string, { x: number; y: number }>();
  let x = 0;
  for (const members of layers) {
    if (!members) continue;
    const width = Math.max(...members.map((v) => nodes[v]!.width));
    const height = members.reduce((sum, v) => sum + nodes[v]!.height, 0) + nodeGap * (members.length - 1);
    let y = -height / 2;
    for (const v of members) {
      const node = nodes[v]!;
      result.set(node.id, { x: Math.round(x), y: Math.round(y) });
      y += node.height + nodeGap;
    }
    x += width + layerGap;
  }
  return result;
}
