import type { WorkflowEdge, WorkflowNode } from '@galaxyflow/engine';
import type { EditorDocument, EditorEdge, EditorNode } from '../types';
import { createId } from './ids';

/** The MIME type the editor writes to the system clipboard. */
export const CLIPBOARD_MIME = 'application/x-galaxyflow+json';
const FORMAT = 'galaxyflow/clipboard@1';

/** Nodes and the edges between them, as copied. */
export interface ClipboardPayload {
  format: typeof FORMAT;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/** What is copied: the given nodes and only the edges that join two of them. */
export function copyPayload(document: EditorDocument, nodeIds: ReadonlySet<string>): ClipboardPayload | null {
  if (nodeIds.size === 0) return null;
  const nodes = document.nodes
    .filter((node) => nodeIds.has(node.id))
    .map((node) => ({ id: node.id, type: node.type, data: structuredClone(node.data), position: { ...node.position } }));
  const edges = document.edges
    .filter((edge) => nodeIds.has(edge.source) && nodeIds.has(edge.target))
    .map((edge) => ({
      id: edge.id,
      source: edge.source,
      sourceHandle: edge.sourceHandle,
      target: edge.target,
      targetHandle: edge.targetHandle,
    }));
  return { format: FORMAT, nodes, edges };
}

/** Reads a payload back from clipboard text; anything else gives null. */
export function parsePayload(text: string | null | undefined): ClipboardPayload | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<ClipboardPayload>;
    if (value.format !== FORMAT || !Array.isArray(value.nodes) || !Array.isArray(value.edges)) return null;
    return value as ClipboardPayload;
  } catch {
    return null;
  }
}

/**
 * The nodes and edges a paste adds: fresh ids (so a paste never collides with what is on
 * the canvas, in this editor or another), positions shifted by `offset`, pasted nodes
 * selected.
 */
export function materializePaste(
  payload: ClipboardPayload,
  offset: { x: number; y: number },
): { nodes: EditorNode[]; edges: EditorEdge[] } {
  const ids = new Map<string, string>();
  const nodes = payload.nodes.map((node): EditorNode => {
    const id = createId('n');
    ids.set(node.id, id);
    const position = node.position ?? { x: 0, y: 0 };
    return {
      id,
      type: node.type,
      data: structuredClone(node.data ?? {}),
      position: { x: position.x + offset.x, y: position.y + offset.y },
      selected: true,
    };
  });
  const edges: EditorEdge[] = [];
  for (const edge of payload.edges) {
    const source = ids.get(edge.source);
    const target = ids.get(edge.target);
    if (source === undefined || target === undefined) continue;
    edges.push({
      id: createId('e'),
      source,
      target,
      sourceHandle: edge.sourceHandle,
      targetHandle: edge.targetHandle,
      selected: true,
    });
  }
  return { nodes, edges };
}

/**
 * The last payload copied in this page. The system clipboard carries copies between
 * editors and tabs; this buffer is the fallback where a browser withholds clipboard data
 * from a keyboard shortcut.
 */
export const pageClipboard: { payload: ClipboardPayload | null } = { payload: null };
