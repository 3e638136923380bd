import { portOf } from '../defineNode';
import { GalaxyError } from '../errors';
import { titleOf } from '../nodeTitle';
import type { WorkflowEdge } from '../schema';
import type { NodeMeta, NodeResult } from '../types';
import type { CompiledNode } from '../validate';

/**
 * What a node's inputs are gathered from: the run's graph tables and the results so far. Made
 * once per run and passed in, so gathering a node's inputs allocates nothing beyond them.
 */
export interface NodeIO {
  readonly edges: readonly WorkflowEdge[];
  readonly inStart: Int32Array;
  readonly inList: Int32Array;
  readonly inEdge: Int32Array;
  readonly results: readonly (NodeResult | undefined)[];
}

/**
 * The object a node's inputs sit in: nothing inherited, so only ports that got a value are
 * there. A constructor whose prototype is `Object.create(null)`, rather than
 * `Object.create(null)` itself, because V8 keeps the latter in slow dictionary mode.
 */
const Inputs = function Inputs() {} as unknown as new () => Record<string, unknown>;
Inputs.prototype = Object.create(null);

function isJsonLike(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || t === 'object' || (t === 'number' && Number.isFinite(value));
}

/**
 * A node's `setMeta` facts as plain JSON, so results and events stay serializable as they are.
 * Keys whose value is `undefined` are dropped, as JSON drops them.
 */
export function plainMeta(node: CompiledNode, meta: NodeMeta): NodeMeta {
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(meta));
  } catch (error) {
    throw new GalaxyError('E_INVALID_OUTPUT', `${titleOf(node)} reported meta that is not plain JSON: ${(error as Error).message}`, { nodeId: node.id, cause: error });
  }
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new GalaxyError('E_INVALID_OUTPUT', `${titleOf(node)} reported meta that is not an object.`, { nodeId: node.id });
  }
  return copy as NodeMeta;
}

/** A node's inputs from its sources' outputs. */
export function gatherInputs(io: NodeIO, i: number, node: CompiledNode): Record<string, unknown> {
  const inStart = io.inStart;
  // No Object.prototype behind it: an input port named `toString` that got no value reads as
  // absent, not as Object.prototype.toString.
  const inputs = new Inputs();
  const multiple = node.multipleInputs;
  const start = inStart[i]!;
  const end = inStart[i + 1]!;
  if (multiple.length === 1 && node.inputList.length === 1) return gatherInto(io, inputs, multiple[0]!, start, end);
  for (let p = 0; p < multiple.length; p++) inputs[multiple[p]!] = [];
  const { edges, inEdge, inList, results } = io;
  // In-edges in workflow order, so a `multiple` input lists its values in edge order.
  for (let k = start; k < end; k++) {
    const edge = edges[inEdge[k]!]!;
    const handle = edge.targetHandle;
    // Validation accepted only own ports; the outputs may be a stored run's, read from JSON.
    if (!portOf(node.inputs, handle)) continue;
    const output = results[inList[k]!]?.output;
    const value = output && Object.hasOwn(output, edge.sourceHandle) ? output[edge.sourceHandle] : undefined;
    if (value === undefined) continue;
    const slot = inputs[handle];
    if (Array.isArray(slot)) slot.push(value);
    else inputs[handle] = value;
  }
  return inputs;
}

/**
 * `gatherInputs` for a node whose one input takes many edges (a collector, a join): the
 * same values in the same order, in an array sized up front rather than grown by `push`.
 */
function gatherInto(io: NodeIO, inputs: Record<string, unknown>, name: string, start: number, end: number): Record<string, unknown> {
  const { edges, inEdge, inList, results } = io;
  const values: unknown[] = new Array(end - start);
  let count = 0;
  for (let k = start; k < end; k++) {
    const edge = edges[inEdge[k]!]!;
    // `name` is the node's only input port: comparing the handle to it is the port check.
    if (edge.targetHandle !== name) continue;
    const output = results[inList[k]!]?.output;
    const value = output && Object.hasOwn(output, edge.sourceHandle) ? output[edge.sourceHandle] : undefined;
    if (value !== undefined) values[count++] = value;
  }
  // Setting an array's length is a call into the runtime even when it does not change.
  if (count !== values.length) values.length = count;
  inputs[name] = values;
  return inputs;
}

/** Whether a result is a skip for a branch not taken: like a success, it settles its dependents, which see its outputs as unset. */
export function isBranchSkip(result: NodeResult): boolean {
  return result.status === 'SKIPPED' && result.error?.code === 'E_BRANCH_NOT_TAKEN';
}

/**
 * Whether a node's inputs say it stands on a branch that was not taken: the position in the
 * node's in-edge rows (`inList`/`inEdge`) of the untaken edge that decides it, or -1 when the
 * node runs. An edge is untaken when its source settled without a value on that output (left
 * unset, or skipped itself). The node is skipped when a required input got no value, or when
 * it has in-edges and none of them brought one; a node with no in-edges always runs. `missing`
 * is `missingInput(node, inputs)`, which the caller has already.
 */
export function untakenEdge(io: NodeIO, i: number, node: CompiledNode, inputs: Record<string, unknown>, missing: string | undefined): number {
  const start = io.inStart[i]!;
  const end = io.inStart[i + 1]!;
  if (start === end) return -1;
  const { edges, inEdge } = io;
  if (missing !== undefined) {
    for (let k = start; k < end; k++) if (edges[inEdge[k]!]!.targetHandle === missing) return k;
    return -1;
  }
  // One `multiple` input and nothing else (a collector, a merge): it lists every taken value.
  if (node.inputList.length === 1 && node.multipleInputs.length === 1 && (inputs[node.multipleInputs[0]!] as unknown[]).length > 0) return -1;
  let first = -1;
  for (let k = start; k < end; k++) {
    const edge = edges[inEdge[k]!]!;
    if (!portOf(node.inputs, edge.targetHandle)) continue;
    if (first < 0) first = k;
    const output = io.results[io.inList[k]!]?.output;
    if (output && Object.hasOwn(output, edge.sourceHandle) && output[edge.sourceHandle] !== undefined) return -1;
  }
  return first;
}

/** The first required input that got no value, if any. */
export function missingInput(node: CompiledNode, inputs: Record<string, unknown>): string | undefined {
  const required = node.requiredInputs;
  for (let p = 0; p < required.length; p++) {
    const [name, spec] = required[p]!;
    const value = inputs[name];
    if (value === undefined || (spec.multiple && (value as unknown[]).length === 0)) return name;
  }
  return undefined;
}

/** What an executor returned, as the node's output: its own ports only, each checked against its type. */
export function checkOutput(node: CompiledNode, raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new GalaxyError('E_INVALID_OUTPUT', `${titleOf(node)} returned ${Array.isArray(raw) ? 'an array' : typeof raw}; a node returns an object keyed by output port.`, { nodeId: node.id });
  }
  const output: Record<string, unknown> = {};
  const ports = node.outputList;
  for (let p = 0; p < ports.length; p++) {
    const [name, spec] = ports[p]!;
    // Own keys only: an output port named `valueOf` must not pick up Object.prototype.valueOf.
    const value = Object.hasOwn(raw, name) ? (raw as Record<string, unknown>)[name] : undefined;
    if (value === undefined) continue;
    const fits = spec.type === 'text' || spec.type === 'image' ? typeof value === 'string' : spec.type === 'json' ? isJsonLike(value) : true;
    if (!fits) {
      throw new GalaxyError('E_INVALID_OUTPUT', `${titleOf(node)} returned ${typeof value} for its ${spec.type} output "${name}".`, { nodeId: node.id });
    }
    output[name] = value;
  }
  return output;
}
