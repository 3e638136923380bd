import {
  stableStringify,
  type Workflow,
  type WorkflowEdge,
  type WorkflowInput,
  type WorkflowNode,
} from '@galaxyflow/engine';
import type { EditorDocument, EditorEdge, EditorNode } from '../types';

// Node and edge objects are immutable in the store: converting each one once is enough,
// so serializing a 1,000-node graph on every change costs only the changed nodes.
const nodeCache = new WeakMap<EditorNode, WorkflowNode>();
const edgeCache = new WeakMap<EditorEdge, WorkflowEdge>();

function toWorkflowNode(node: EditorNode): WorkflowNode {
  const cached = nodeCache.get(node);
  if (cached && cached.data === node.data && cached.position === node.position) return cached;
  const out: WorkflowNode = { id: node.id, type: node.type, data: node.data, position: node.position };
  nodeCache.set(node, out);
  return out;
}

function toWorkflowEdge(edge: EditorEdge): WorkflowEdge {
  const cached = edgeCache.get(edge);
  if (cached) return cached;
  const out: WorkflowEdge = {
    id: edge.id,
    source: edge.source,
    sourceHandle: edge.sourceHandle,
    target: edge.target,
    targetHandle: edge.targetHandle,
  };
  edgeCache.set(edge, out);
  return out;
}

/** The workflow a document saves as: engine shape, without view state. */
export function toWorkflow(document: EditorDocument): Workflow {
  const workflow: Workflow = {
    nodes: document.nodes.map(toWorkflowNode),
    edges: document.edges.map(toWorkflowEdge),
  };
  if (document.settings !== undefined) workflow.settings = document.settings;
  return workflow;
}

const GRID_X = 320;
const GRID_Y = 220;

/**
 * A document from a stored workflow. Nodes without a position are placed on a grid;
 * view state of nodes already on the canvas (`previous`) is kept, so a reload does not
 * make every node blink.
 */
export function fromWorkflow(workflow: WorkflowInput, previous?: readonly EditorNode[]): EditorDocument {
  const before = new Map(previous?.map((node) => [node.id, node]));
  const nodes = workflow.nodes.map((node, index): EditorNode => {
    const position = node.position ?? { x: (index % 4) * GRID_X, y: Math.floor(index / 4) * GRID_Y };
    const old = before.get(node.id);
    const data = node.data ?? {};
    if (old && old.type === node.type) {
      return {
        ...old,
        data: sameJson(old.data, data) ? old.data : data,
        position:
          old.position.x === position.x && old.position.y === position.y ? old.position : position,
      };
    }
    return { id: node.id, type: node.type, position, data };
  });
  const edges = workflow.edges.map(
    (edge): EditorEdge => ({
      id: edge.id,
      source: edge.source,
      sourceHandle: edge.sourceHandle,
      target: edge.target,
      targetHandle: edge.targetHandle,
    }),
  );
  return { nodes, edges, settings: workflow.settings };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return stableStringify(a) === stableStringify(b);
  } catch {
    return false;
  }
}

/** Whether two workflows hold the same nodes, edges and settings (order included). */
export function sameWorkflowContent(a: WorkflowInput, b: WorkflowInput): boolean {
  return sameJson(
    { nodes: a.nodes, edges: a.edges, settings: a.settings ?? null },
    { nodes: b.nodes, edges: b.edges, settings: b.settings ?? null },
  );
}
