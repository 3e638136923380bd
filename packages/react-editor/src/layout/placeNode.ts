import {
  type ConnectionInput,
  inputPortsOf,
  type NodeRegistry,
  outputPortsOf,
} from '@galaxyflow/engine';
import { defaultDataOf } from '../store/nodeData';
import { validateConnectionFor } from '../store/validation';
import type { EditorDocument, EditorNode } from '../types';

/** The size a node is taken to have before the canvas has measured it, in flow units. */
export const NEW_NODE_SIZE = { width: 280, height: 200 };
/** Room left between a new node and its neighbours. */
const GAP = 40;
/** Rings of candidate spots tried around the wanted one before giving up on free space. */
const MAX_RINGS = 12;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function rectOf(node: EditorNode): Rect {
  return {
    x: node.position.x,
    y: node.position.y,
    width: node.measured?.width ?? node.width ?? NEW_NODE_SIZE.width,
    height: node.measured?.height ?? node.height ?? NEW_NODE_SIZE.height,
  };
}

function overlaps(a: Rect, b: Rect): boolean {
  return (
    a.x < b.x + b.width + GAP &&
    b.x < a.x + a.width + GAP &&
    a.y < b.y + b.height + GAP &&
    b.y < a.y + a.height + GAP
  );
}

/**
 * The free spot nearest `wanted` (a top-left corner) where a new node overlaps none of `nodes`:
 * the spot itself, else the closest of rings of candidates around it, `preferDown` trying
 * spots below before those beside.
 */
export function freeSpotNear(
  nodes: readonly EditorNode[],
  wanted: { x: number; y: number },
  preferDown = false,
) {
  const rects = nodes.map(rectOf);
  const fits = (x: number, y: number) =>
    !rects.some((rect) =>
      overlaps({ x, y, width: NEW_NODE_SIZE.width, height: NEW_NODE_SIZE.height }, rect),
    );
  if (fits(wanted.x, wanted.y)) return wanted;
  const stepX = NEW_NODE_SIZE.width / 2;
  const stepY = NEW_NODE_SIZE.height / 2;
  for (let ring = 1; ring <= MAX_RINGS; ring++) {
    const candidates: { x: number; y: number; d: number }[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        if (preferDown && (i !== 0 || j < 0)) continue;
        const x = wanted.x + i * stepX;
        const y = wanted.y + j * stepY;
        candidates.push({ x, y, d: Math.hypot(i * stepX, j * stepY) });
      }
    }
    candidates.sort((a, b) => a.d - b.d);
    const free = candidates.find((c) => fits(c.x, c.y));
    if (free) return { x: free.x, y: free.y };
  }
  return wanted;
}

/** Where a node added from the palette goes, and the edge that wires it in, if any. */
export interface Placement {
  position: { x: number; y: number };
  /** From the selected node's output to the new node's input, when their ports fit. */
  connectFrom?: { source: string; sourceHandle: string; targetHandle: string };
}

/**
 * Places a node added by a click: right of the one selected node (wired to it when one of its
 * outputs fits one of the new node's inputs, a required input first), else in free space near
 * the view's centre. Never on top of another node.
 */
export function placeNewNode(
  document: EditorDocument,
  registry: NodeRegistry,
  type: string,
  viewCentre: { x: number; y: number },
): Placement {
  const selected = document.nodes.filter((node) => node.selected);
  const definition = registry.get(type);
  const anchor = selected.length === 1 ? selected[0] : undefined;
  if (!anchor || !definition) {
    const wanted = {
      x: viewCentre.x - NEW_NODE_SIZE.width / 2,
      y: viewCentre.y - NEW_NODE_SIZE.height / 2,
    };
    return { position: freeSpotNear(document.nodes, wanted) };
  }
  const box = rectOf(anchor);
  const position = freeSpotNear(document.nodes, { x: box.x + box.width + 80, y: box.y }, true);
  const sourceDefinition = registry.get(anchor.type);
  if (!sourceDefinition) return { position };
  const outputs = Object.keys(outputPortsOf(sourceDefinition, anchor.data));
  const data = defaultDataOf(definition);
  const inputs = Object.entries(inputPortsOf(definition, data))
    .sort(([, a], [, b]) => Number(b.required === true) - Number(a.required === true))
    .map(([name]) => name);
  // The new node's id is not known yet: check against a stand-in on a copy of the document.
  const probe: EditorNode = { id: '__placing__', type, position, data };
  const withProbe = { ...document, nodes: [...document.nodes, probe] };
  for (const targetHandle of inputs) {
    for (const sourceHandle of outputs) {
      const connection: ConnectionInput = {
        source: anchor.id,
        sourceHandle,
        target: probe.id,
        targetHandle,
      };
      if (validateConnectionFor(withProbe, connection, registry).ok) {
        return { position, connectFrom: { source: anchor.id, sourceHandle, targetHandle } };
      }
    }
  }
  return { position };
}
