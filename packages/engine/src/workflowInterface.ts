import { isValidPortName } from './defineNode';
import type { ValidationIssue } from './errors';
import type { PortMap, PortType, WorkflowLoader, WorkflowRef } from './types';

/** One named input or output of a workflow, as its Input and Output nodes declare it. */
export interface WorkflowPort {
  /** The port name: the Input or Output node's `name`. */
  name: string;
  type: PortType;
  /** Inputs only: the Input node has no default and must get a value. */
  required?: boolean | undefined;
}

/** What a workflow takes and gives when another workflow calls it. */
export interface WorkflowInterface {
  inputs: WorkflowPort[];
  outputs: WorkflowPort[];
}

const PORT_TYPES = new Set<string>(['text', 'image', 'json', 'any']);

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function portOfNode(data: Record<string, unknown>): WorkflowPort | undefined {
  const name = data.name;
  if (typeof name !== 'string' || !isValidPortName(name)) return undefined;
  const type =
    typeof data.valueType === 'string' && PORT_TYPES.has(data.valueType)
      ? (data.valueType as PortType)
      : 'any';
  return { name, type };
}

/**
 * The inputs and outputs of a workflow: its `input` and `output` nodes in document order,
 * the first of each name winning. What the editor stores in a Workflow node's data when the
 * user picks a workflow, and what the node's ports are made from.
 */
export function workflowInterface(workflow: unknown): WorkflowInterface {
  const nodes = Array.isArray(record(workflow).nodes) ? (record(workflow).nodes as unknown[]) : [];
  const inputs: WorkflowPort[] = [];
  const outputs: WorkflowPort[] = [];
  for (const raw of nodes) {
    const node = record(raw);
    const data = record(node.data);
    if (node.type !== 'input' && node.type !== 'output') continue;
    const port = portOfNode(data);
    if (!port) continue;
    const list = node.type === 'input' ? inputs : outputs;
    if (list.some((p) => p.name === port.name)) continue;
    if (node.type === 'input') port.required = data.required === true && data.default === undefined;
    list.push(port);
  }
  return { inputs, outputs };
}

/** A workflow's ports as a `PortMap`, for a Workflow node's handles. */
export function portMapOf(ports: readonly WorkflowPort[], kind: 'inputs' | 'outputs'): PortMap {
  const map: PortMap = {};
  // Ports may be asked of data that did not parse (a node just dropped): no list, no ports.
  if (!Array.isArray(ports)) return map;
  for (const port of ports) {
    if (!isValidPortName(port.name) || Object.hasOwn(map, port.name)) continue;
    map[port.name] =
      kind === 'inputs'
        ? { type: port.type, required: port.required === true, label: port.name }
        : { type: port.type, label: port.name };
  }
  return map;
}

/** A saved workflow a node of this workflow calls. */
export interface WorkflowReference extends WorkflowRef {
  /** The Workflow or Map node that calls it. */
  nodeId: string;
}

/** The saved workflows a workflow's Workflow nodes and sub-workflow Map nodes call, in node order. */
export function workflowReferences(workflow: unknown): WorkflowReference[] {
  const nodes = Array.isArray(record(workflow).nodes) ? (record(workflow).nodes as unknown[]) : [];
  const refs: WorkflowReference[] = [];
  for (const raw of nodes) {
    const node = record(raw);
    const data = record(node.data);
    // A Map calls a workflow per item directly, or through the Workflow node it runs per item.
    const through =
      node.type === 'map' && data.mode !== 'workflow' && data.nodeType === 'workflow'
        ? record(data.nodeData)
        : undefined;
    const calls =
      node.type === 'workflow' ||
      (node.type === 'map' && data.mode === 'workflow') ||
      through !== undefined;
    if (!calls || typeof node.id !== 'string') continue;
    const { workflowId, version } = through ?? data;
    if (
      typeof workflowId !== 'string' ||
      workflowId === '' ||
      typeof version !== 'number' ||
      !Number.isInteger(version)
    )
      continue;
    refs.push({ nodeId: node.id, workflowId, version });
  }
  return refs;
}

/** Options of `checkWorkflowReferences`. */
export interface CheckReferencesOptions {
  /** Loads a saved version as the workflow's owner sees it; `undefined` (or `E_WORKFLOW_NOT_FOUND`) when absent. */
  load: WorkflowLoader;
  /** The saved version being checked (being saved, or run), so a call back to it is a cycle. Default none (an unsaved graph). */
  self?: WorkflowRef;
  /** Most levels of sub-workflows below the workflow. Default 4, as `RunCaps.workflowDepth`. */
  maxDepth?: number;
  signal?: AbortSignal;
}

const keyOf = (ref: WorkflowRef) => `${ref.workflowId}@${ref.version}`;

/**
 * Follows the saved workflows a workflow calls, loading each referenced version once, and
 * reports calls that come back to a workflow already on the way (`E_WORKFLOW_CYCLE`, with the
 * chain in `nodeIds` as `id@version` keys), references that do not load
 * (`E_WORKFLOW_NOT_FOUND`) and chains deeper than `maxDepth` (`E_WORKFLOW_DEPTH`). Each issue
 * names the node of this workflow the chain starts from. Empty when every call is fine.
 */
export async function checkWorkflowReferences(
  workflow: unknown,
  options: CheckReferencesOptions,
): Promise<ValidationIssue[]> {
  const maxDepth = options.maxDepth ?? 4;
  const graphs = new Map<string, Promise<unknown>>();
  const load = (ref: WorkflowRef): Promise<unknown> => {
    const key = keyOf(ref);
    let pending = graphs.get(key);
    if (!pending) {
      pending = options
        .load(options.signal ? { ...ref, signal: options.signal } : { ...ref })
        .catch((error: unknown) => {
          if ((error as { code?: unknown } | null)?.code === 'E_WORKFLOW_NOT_FOUND')
            return undefined;
          throw error;
        });
      graphs.set(key, pending);
    }
    return pending;
  };
  /** Depth below each fully explored version, so a version called from many places is walked once. */
  const depthBelow = new Map<string, number>();
  const issues: ValidationIssue[] = [];
  const root = options.self ? keyOf(options.self) : undefined;

  /** Walks one version; returns its depth below, or undefined once an issue was reported. */
  async function walk(
    ref: WorkflowRef,
    chain: string[],
    from: string,
  ): Promise<number | undefined> {
    const key = keyOf(ref);
    if (key === root || chain.includes(key)) {
      const cycle = [...chain, key];
      issues.push({
        code: 'E_WORKFLOW_CYCLE',
        message: `Workflow ${cycle[0] ?? key} calls itself: ${cycle.join(' → ')}. A workflow cannot call itself, directly or through others.`,
        nodeId: from,
        nodeIds: cycle,
      });
      return undefined;
    }
    // The level this version runs at below the workflow checked: 1 for a direct call.
    const level = chain.length - (root ? 1 : 0) + 1;
    const known = depthBelow.get(key);
    if (level + (known ?? 0) > maxDepth) {
      issues.push({
        code: 'E_WORKFLOW_DEPTH',
        message: `Workflows call each other more than ${maxDepth} levels deep (${[...chain, key].join(' → ')}).`,
        nodeId: from,
      });
      return undefined;
    }
    if (known !== undefined) return known;
    const graph = await load(ref);
    if (graph === undefined || graph === null) {
      issues.push({
        code: 'E_WORKFLOW_NOT_FOUND',
        message: `Workflow ${key} does not exist, or is not yours.`,
        nodeId: from,
      });
      return undefined;
    }
    let deepest = 0;
    for (const next of workflowReferences(graph)) {
      const below = await walk(next, [...chain, key], from);
      if (below === undefined) return undefined;
      deepest = Math.max(deepest, below + 1);
    }
    depthBelow.set(key, deepest);
    return deepest;
  }

  for (const ref of workflowReferences(workflow)) {
    await walk(ref, root ? [root] : [], ref.nodeId);
  }
  return issues;
}
