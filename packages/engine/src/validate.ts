import type * as z from 'zod';
import { inputPortsOf, outputPortsOf, portOf } from './defineNode';
import type { ValidationIssue } from './errors';
import { buildGraphIndex, findCycles, type GraphIndex, kahn, reachable, wouldCreateCycle } from './graph';
import { quotedTitle } from './nodeTitle';
import { isNoteNode, renumberIssue, withoutNotes } from './notes';
import type { NodeRegistry } from './registry';
import {
  COMMON_DATA_KEYS,
  type CommonNodeData,
  CommonNodeDataSchema,
  defaultLimits,
  type Workflow,
  type WorkflowInput,
  type WorkflowLimits,
  WorkflowSchema,
} from './schema';
import { parseWorkflowFast, parseWorkflowFastMeasured, utf8Length } from './parseFast';
import type { AnyNodeDefinition, PortMap, PortSpec, PortType } from './types';
import { markValidated, type ValidatedWorkflow } from './validated';

export interface ValidateOptions {
  /** Size limits. Default `defaultLimits`. */
  limits?: Partial<WorkflowLimits>;
  /**
   * For a partial run: check inputs and settings only of these nodes and their ancestors.
   * Structure (ids, edges, ports, cycles) is always checked whole. Default: every node.
   */
  targetNodeIds?: readonly string[];
}

export type ValidationResult =
  | { ok: true; workflow: ValidatedWorkflow; issues: [] }
  | { ok: false; workflow?: Workflow; issues: ValidationIssue[] };

/** One node after validation, with what the scheduler needs precomputed. */
export interface CompiledNode {
  readonly id: string;
  readonly type: string;
  readonly definition: AnyNodeDefinition;
  /** The type's own data, parsed (defaults applied). */
  readonly data: unknown;
  /** The common per-node overrides. */
  readonly common: CommonNodeData;
  readonly inputs: PortMap;
  readonly outputs: PortMap;
  readonly inputList: PortList;
  readonly outputList: PortList;
  /** Names of the `multiple` inputs, in declaration order. */
  readonly multipleInputs: readonly string[];
  /** The `required` inputs, in declaration order. */
  readonly requiredInputs: PortList;
}

export interface CompiledWorkflow {
  readonly workflow: Workflow;
  readonly nodes: readonly CompiledNode[];
  readonly graph: GraphIndex;
  /** Topological level per node index. */
  readonly level: Int32Array;
  /** 1 where the node is part of the run (the targets and their ancestors), else 0. */
  readonly scope: Uint8Array;
}

export interface Analysis {
  issues: ValidationIssue[];
  workflow?: Workflow;
  compiled?: CompiledWorkflow;
  /** UTF-8 bytes of the document's JSON once measured, or an upper bound of them when the limit did not need the exact count. */
  bytes?: number;
}

/** Whether a value of type `from` may flow into an input of type `to`. */
export function portTypesCompatible(from: PortType, to: PortType): boolean {
  return from === to || from === 'any' || to === 'any';
}

function zodIssues(error: z.ZodError, base: (string | number)[], nodeId?: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const out: ValidationIssue = { code: 'E_SCHEMA', message: `${path.join('.') || 'workflow'}: ${issue.message}`, path };
    if (nodeId !== undefined) out.nodeId = nodeId;
    return out;
  });
}

function arrayLength(input: unknown, key: string): number {
  if (typeof input !== 'object' || input === null) return 0;
  const value = (input as Record<string, unknown>)[key];
  return Array.isArray(value) ? value.length : 0;
}

/**
 * A node's data split into the type's own keys and the common keys; `common` is undefined
 * when there are none, as for most nodes, so they need no common parse.
 */
function splitData(data: Record<string, unknown>): { own: Record<string, unknown>; common: Record<string, unknown> | undefined } {
  // Most nodes have no common keys: their data is the type's own as it is (the parsers only
  // read it), so nothing is copied.
  let plain = Object.getPrototypeOf(data) === Object.prototype;
  if (plain) for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    if (COMMON_DATA_KEYS.includes(key) || key === '__proto__') {
      plain = false;
      break;
    }
  }
  if (plain) return { own: data, common: undefined };
  const own: Record<string, unknown> = {};
  let common: Record<string, unknown> | undefined;
  for (const key of Object.keys(data)) {
    if (COMMON_DATA_KEYS.includes(key)) {
      common ??= {};
      common[key] = data[key];
    } else if (key === '__proto__') {
      // Defined, not assigned: assigning would set the prototype instead of a key.
      Object.defineProperty(own, key, { value: data[key], enumerable: true, writable: true, configurable: true });
    } else own[key] = data[key];
  }
  return { own, common };
}

/** What `CommonNodeDataSchema` makes of no common keys. Internal to the scheduler, never handed out, so one object serves every node. */
const NO_COMMON: CommonNodeData = Object.freeze({});
const NO_PORTS: PortMap = Object.freeze({});

type PortList = readonly (readonly [string, PortSpec])[];

/** A port map with the lists validation and the scheduler walk, made once per static map. */
interface PortIndex {
  readonly map: PortMap;
  readonly list: PortList;
  /** Names of the `multiple` ports, in declaration order. */
  readonly multiple: readonly string[];
  /** The `required` ports, in declaration order. */
  readonly required: PortList;
  /** Each port's position in `list`, by name; nothing inherited, so `toString` is no port. */
  readonly slot: Readonly<Record<string, number>>;
}

/** A record with no prototype that V8 keeps in fast mode (see `Inputs` in run/nodeIO.ts). */
const Slots = function Slots() {} as unknown as new () => Record<string, number>;
Slots.prototype = Object.create(null);

function indexPorts(map: PortMap): PortIndex {
  const list = Object.entries(map);
  const slot = new Slots();
  for (let p = 0; p < list.length; p++) slot[list[p]![0]] = p;
  return { map, list, multiple: list.filter(([, spec]) => spec.multiple).map(([name]) => name), required: list.filter(([, spec]) => spec.required), slot };
}

/** The position of a port in its node's list, or -1 when the node has no such port. */
function slotOf(ports: PortIndex, name: string): number {
  const p = ports.slot[name];
  return p === undefined ? -1 : p;
}

/**
 * The ports of one node. A type's fixed ports are one map for all its nodes, so their lists
 * are made once per analysis (the cache); ports derived from data are indexed per node.
 */
function portsOfNode(definition: AnyNodeDefinition, kind: 'inputs' | 'outputs', data: unknown, cache: Map<PortMap, PortIndex>): PortIndex {
  const ports = definition[kind];
  if (typeof ports === 'function') return indexPorts(safePorts(() => (kind === 'inputs' ? inputPortsOf(definition, data) : outputPortsOf(definition, data))));
  let index = cache.get(ports);
  if (!index) {
    index = indexPorts(ports);
    cache.set(ports, index);
  }
  return index;
}

const NO_PORT_INDEX = indexPorts(NO_PORTS);

function hasInEdge(graph: GraphIndex, inSlot: Int32Array, accepted: Uint8Array, node: number, slot: number): boolean {
  for (let k = graph.inStart[node]!, end = graph.inStart[node + 1]!; k < end; k++) {
    const e = graph.inEdge[k]!;
    if (accepted[e] && inSlot[e] === slot) return true;
  }
  return false;
}

/**
 * Indices of the items whose id appeared at an earlier index, ascending. An open-addressing
 * table of FNV-1a hashes in one preallocated `Int32Array`, rather than a `Set` of the ids:
 * the set grew by rehashing and cost three times as much at 300,000 edges. Ids are compared
 * as strings whenever their hashes match, so a collision never hides or invents a duplicate.
 */
function repeatedIds(items: readonly { id: string }[]): number[] {
  const m = items.length;
  let size = 2;
  while (size < m * 2) size *= 2;
  const mask = size - 1;
  // Pairs of (hash, index + 1); index 0 marks an empty slot.
  const table = new Int32Array(size * 2);
  const repeated: number[] = [];
  for (let e = 0; e < m; e++) {
    const id = items[e]!.id;
    let h = 0x811c9dc5;
    for (let c = 0; c < id.length; c++) h = Math.imul(h ^ id.charCodeAt(c), 0x01000193);
    for (let slot = (h ^ (h >>> 16)) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2;
      const stored = table[at + 1]!;
      if (stored === 0) {
        table[at] = h;
        table[at + 1] = e + 1;
        break;
      }
      if (table[at] === h && items[stored - 1]!.id === id) {
        repeated.push(e);
        break;
      }
    }
  }
  return repeated;
}

function safePorts(resolve: () => PortMap): PortMap {
  try {
    return resolve();
  } catch {
    return {};
  }
}

/**
 * Checks everything `validateWorkflow` checks and, when the workflow is valid, compiles it
 * for the scheduler (unless `compile` is false). Internal: hosts call `validateWorkflow` or `runWorkflow`.
 */
export function analyzeWorkflow(input: unknown, registry: NodeRegistry, options: ValidateOptions = {}, compile = true): Analysis {
  // Notes document the workflow and never run: the graph is checked without them. The node
  // limit still counts them (the stored document holds them), so they are kept in when over it.
  const maxNodes = options.limits?.maxNodes ?? defaultLimits.maxNodes;
  const stripped = arrayLength(input, 'nodes') > maxNodes ? null : withoutNotes(input);
  if (!stripped || stripped.nodeIndex === null) return analyzeGraph(input, registry, options, compile);
  const analysis = analyzeGraph(stripped.input, registry, options, compile);
  const issues = [...stripped.issues, ...analysis.issues.map((issue) => renumberIssue(issue, stripped))];
  // A note with invalid data, or wired to something, makes the workflow invalid as a whole.
  if (stripped.issues.length > 0) return { issues, ...(analysis.workflow ? { workflow: analysis.workflow } : {}) };
  return { ...analysis, issues };
}

function analyzeGraph(input: unknown, registry: NodeRegistry, options: ValidateOptions, compile: boolean): Analysis {
  const limits: WorkflowLimits = { ...defaultLimits, ...options.limits };
  const issues: ValidationIssue[] = [];

  // Limits first: never parse a document we are going to refuse for its size.
  const nodeCount = arrayLength(input, 'nodes');
  const edgeCount = arrayLength(input, 'edges');
  if (nodeCount > limits.maxNodes) {
    issues.push({ code: 'E_LIMIT_NODES', message: `The workflow has ${nodeCount} nodes; at most ${limits.maxNodes} are allowed.`, path: ['nodes'] });
  }
  if (edgeCount > limits.maxEdges) {
    issues.push({ code: 'E_LIMIT_EDGES', message: `The workflow has ${edgeCount} edges; at most ${limits.maxEdges} are allowed.`, path: ['edges'] });
  }
  if (issues.length > 0) return { issues };
  // A well-formed document is measured while it is parsed; anything else is serialized for real.
  const measured = parseWorkflowFastMeasured(input);
  let bytes: number;
  let bytesBound: number;
  if (measured) {
    bytes = measured.bytes;
    bytesBound = bytes;
  } else {
    let serialized: string | undefined;
    try {
      serialized = JSON.stringify(input);
    } catch {
      return { issues: [{ code: 'E_SCHEMA', message: 'The workflow is not plain JSON (it has a cycle or a BigInt).', path: [] }] };
    }
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: count exactly only when the bounds do not decide.
    const units = serialized?.length ?? 0;
    bytes = units > limits.maxBytes || units * 3 > limits.maxBytes ? utf8Length(serialized ?? '') : units;
    // Counted exactly only when it decided; otherwise the bound that decided is what a run checks again.
    bytesBound = bytes === units ? units * 3 : bytes;
  }
  if (bytes > limits.maxBytes) {
    return { issues: [{ code: 'E_LIMIT_BYTES', message: `The workflow is ${bytes} bytes; at most ${limits.maxBytes} are allowed.`, path: [] }] };
  }

  const fast = measured ? measured.workflow : parseWorkflowFast(input);
  const parsed = fast ? ({ success: true, data: fast } as const) : WorkflowSchema.safeParse(input);
  if (!parsed.success) {
    const raw = (input ?? {}) as { nodes?: unknown };
    return {
      issues: parsed.error.issues.map((issue) => {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        const out: ValidationIssue = { code: 'E_SCHEMA', message: `${path.join('.') || 'workflow'}: ${issue.message}`, path };
        if (path[0] === 'nodes' && typeof path[1] === 'number' && Array.isArray(raw.nodes)) {
          const id = (raw.nodes[path[1]] as { id?: unknown } | undefined)?.id;
          if (typeof id === 'string') out.nodeId = id;
        }
        return out;
      }),
    };
  }
  const workflow = parsed.data;
  const { nodes, edges } = workflow;
  const n = nodes.length;

  // Self loops are left out of the graph and reported on their own below.
  const graph = buildGraphIndex(nodes, edges);

  // Ids.
  for (const i of graph.duplicateIds) {
    const id = nodes[i]!.id;
    issues.push({ code: 'E_DUPLICATE_NODE_ID', message: `Node id "${id}" is used more than once.`, nodeId: id, path: ['nodes', i, 'id'] });
  }
  for (const e of repeatedIds(edges)) {
    const id = edges[e]!.id;
    issues.push({ code: 'E_DUPLICATE_EDGE_ID', message: `Edge id "${id}" is used more than once.`, edgeId: id, path: ['edges', e, 'id'] });
  }

  // Scope of a partial run.
  const scope = new Uint8Array(n);
  if (options.targetNodeIds && options.targetNodeIds.length > 0) {
    const targets: number[] = [];
    for (const id of options.targetNodeIds) {
      const i = graph.indexOf.get(id);
      if (i === undefined) issues.push({ code: 'E_UNKNOWN_TARGET', message: `There is no node "${id}" to run.`, nodeId: id });
      else targets.push(i);
    }
    const ancestors = reachable(graph.inStart, graph.inList, targets);
    for (let i = 0; i < n; i++) scope[i] = ancestors[i]!;
    for (const t of targets) scope[t] = 1;
  } else {
    scope.fill(1);
  }

  // Types and data, in arrays by node index (no record per node).
  const definitions: (AnyNodeDefinition | undefined)[] = new Array(n);
  const datas: unknown[] = new Array(n);
  const commons: CommonNodeData[] = new Array(n);
  const inputPorts: PortIndex[] = new Array(n);
  const outputPorts: PortIndex[] = new Array(n);
  const portCache = new Map<PortMap, PortIndex>();
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    const definition = registry.get(node.type);
    definitions[i] = definition;
    if (!definition) {
      issues.push({ code: 'E_UNKNOWN_NODE_TYPE', message: `${quotedTitle(node.data, node.type)} has type "${node.type}", which is not registered.`, nodeId: node.id, path: ['nodes', i, 'type'] });
      datas[i] = node.data;
      commons[i] = NO_COMMON;
      inputPorts[i] = NO_PORT_INDEX;
      outputPorts[i] = NO_PORT_INDEX;
      continue;
    }
    const { own, common } = splitData(node.data);
    let data: unknown = own;
    let commonData = NO_COMMON;
    const ownParsed = definition.data.safeParse(own);
    const commonParsed = common === undefined ? undefined : CommonNodeDataSchema.safeParse(common);
    if (ownParsed.success) data = ownParsed.data;
    if (commonParsed?.success) commonData = commonParsed.data;
    if (scope[i]) {
      if (!ownParsed.success) {
        for (const issue of zodIssues(ownParsed.error, ['nodes', i, 'data'], node.id)) {
          issues.push({ ...issue, code: 'E_INVALID_DATA', message: `${quotedTitle(node.data, definition.label)}: ${issue.message.replace(/^[^:]*: /, `${issue.path!.slice(3).join('.') || 'data'}: `)}` });
        }
      }
      if (commonParsed && !commonParsed.success) {
        for (const issue of zodIssues(commonParsed.error, ['nodes', i, 'data'], node.id)) {
          issues.push({ ...issue, code: 'E_INVALID_DATA', message: `${quotedTitle(node.data, definition.label)}: ${issue.message.replace(/^[^:]*: /, `${issue.path!.slice(3).join('.')}: `)}` });
        }
      }
    }
    datas[i] = data;
    commons[i] = commonData;
    inputPorts[i] = portsOfNode(definition, 'inputs', data, portCache);
    outputPorts[i] = portsOfNode(definition, 'outputs', data, portCache);
  }

  /** The title of the node at index `i`, quoted, for messages. */
  const titleAt = (i: number) => quotedTitle(nodes[i]!.data, definitions[i]?.label ?? nodes[i]!.type);

  /** A cycle by titles, each with its id when two on it share a title (nothing else tells them apart). */
  const cycleText = (cycle: readonly string[]) => {
    const titles = cycle.map((id) => titleAt(graph.indexOf.get(id)!));
    const named = new Set(titles).size === titles.length ? titles : titles.map((title, k) => `${title} (${cycle[k]})`);
    return [...named, named[0]].join(' → ');
  };

  // Edges. Checked per target node, so no per-edge keys or arrays are allocated.
  const accepted = new Uint8Array(edges.length);
  // The ports of each accepted edge by position, so edges are compared as integers, not names.
  const outSlot = new Int32Array(edges.length);
  const inSlot = new Int32Array(edges.length);
  const { edgeSource, edgeTarget, inStart, inEdge } = graph;
  for (let e = 0; e < edges.length; e++) {
    const edge = edges[e]!;
    const s = edgeSource[e]!;
    const t = edgeTarget[e]!;
    if (s < 0 || t < 0) {
      const missing = s < 0 ? edge.source : edge.target;
      issues.push({ code: 'E_MISSING_NODE', message: `Edge "${edge.id}" points to node "${missing}", which does not exist.`, edgeId: edge.id, path: ['edges', e, s < 0 ? 'source' : 'target'] });
      continue;
    }
    if (s === t) {
      issues.push({ code: 'E_SELF_LOOP', message: `An edge connects ${titleAt(s)} to itself.`, edgeId: edge.id, nodeId: edge.source, path: ['edges', e] });
      continue;
    }
    const sourceDefinition = definitions[s];
    const targetDefinition = definitions[t];
    if (!sourceDefinition || !targetDefinition) continue; // already reported as unknown type
    const sourcePorts = outputPorts[s]!;
    const targetPorts = inputPorts[t]!;
    const op = slotOf(sourcePorts, edge.sourceHandle);
    const ip = slotOf(targetPorts, edge.targetHandle);
    const out = op < 0 ? undefined : sourcePorts.list[op]![1];
    const inp = ip < 0 ? undefined : targetPorts.list[ip]![1];
    if (!out) {
      issues.push({ code: 'E_MISSING_HANDLE', message: `${titleAt(s)} has no output "${edge.sourceHandle}".`, edgeId: edge.id, nodeId: edge.source, path: ['edges', e, 'sourceHandle'] });
      continue;
    }
    if (!inp) {
      issues.push({ code: 'E_MISSING_HANDLE', message: `${titleAt(t)} has no input "${edge.targetHandle}".`, edgeId: edge.id, nodeId: edge.target, path: ['edges', e, 'targetHandle'] });
      continue;
    }
    if (!portTypesCompatible(out.type, inp.type)) {
      issues.push({ code: 'E_PORT_TYPE_MISMATCH', message: `Output "${edge.sourceHandle}" of ${titleAt(s)} is ${out.type}, but input "${edge.targetHandle}" of ${titleAt(t)} takes ${inp.type}.`, edgeId: edge.id, nodeId: edge.target, path: ['edges', e] });
      continue;
    }
    // Earlier accepted edges into the same node, in workflow order.
    // Same source node index means the same source id: indices are of an id's first occurrence.
    let duplicate = false;
    let takenBy = -1;
    for (let k = inStart[t]!, end = inStart[t + 1]!; k < end; k++) {
      const other = inEdge[k]!;
      if (other >= e) break;
      if (!accepted[other] || inSlot[other] !== ip) continue;
      if (edgeSource[other] === s && outSlot[other] === op) duplicate = true;
      if (takenBy < 0) takenBy = other;
    }
    if (duplicate) {
      issues.push({ code: 'E_DUPLICATE_EDGE', message: `Output "${edge.sourceHandle}" of ${titleAt(s)} is already connected to input "${edge.targetHandle}" of ${titleAt(t)}.`, edgeId: edge.id, nodeId: edge.target, path: ['edges', e] });
      continue;
    }
    if (takenBy >= 0 && !inp.multiple) {
      issues.push({ code: 'E_INPUT_TAKEN', message: `Input "${edge.targetHandle}" of ${titleAt(t)} takes one connection and already has one.`, edgeId: edge.id, nodeId: edge.target, path: ['edges', e] });
      continue;
    }
    accepted[e] = 1;
    outSlot[e] = op;
    inSlot[e] = ip;
  }

  // Required inputs.
  for (let i = 0; i < n; i++) {
    const definition = definitions[i];
    if (!scope[i] || !definition) continue;
    const ports = inputPorts[i]!;
    for (const [name, spec] of ports.required) {
      if (!hasInEdge(graph, inSlot, accepted, i, ports.slot[name]!)) {
        const node = nodes[i]!;
        issues.push({ code: 'E_MISSING_INPUT', message: `${quotedTitle(node.data, definition.label)} needs its "${spec.label ?? name}" input connected.`, nodeId: node.id, path: ['nodes', i] });
      }
    }
  }

  // Cycles.
  const { level, acyclic } = kahn(graph);
  if (!acyclic) {
    for (const cycle of findCycles(graph)) {
      issues.push({ code: 'E_CYCLE', message: `These nodes form a cycle: ${cycleText(cycle)}.`, nodeIds: cycle, nodeId: cycle[0]!, path: ['edges'] });
    }
  }

  if (issues.length > 0 || !compile) return { issues, workflow, bytes: bytesBound };
  const compiled: CompiledNode[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    const inputs = inputPorts[i]!;
    const outputs = outputPorts[i]!;
    compiled[i] = {
      id: node.id,
      type: node.type,
      definition: definitions[i]!,
      data: datas[i],
      common: commons[i]!,
      inputs: inputs.map,
      outputs: outputs.map,
      inputList: inputs.list,
      outputList: outputs.list,
      multipleInputs: inputs.multiple,
      requiredInputs: inputs.required,
    };
  }
  return { issues, workflow, bytes: bytesBound, compiled: { workflow, graph, level, scope, nodes: compiled } };
}

/**
 * Checks a workflow against the registry: schema, ids, node types and data, edges and
 * port types, single-valued inputs, required inputs, cycles and size limits. The editor
 * runs it while the user works and the server on every request: one set of rules.
 * A workflow it accepts comes back as a `ValidatedWorkflow`: frozen, and run without a second
 * validation when handed to `runWorkflow` or `startRun` with the same registry.
 */
export function validateWorkflow(input: unknown, registry: NodeRegistry, options: ValidateOptions = {}): ValidationResult {
  const { issues, workflow, compiled, bytes } = analyzeWorkflow(input, registry, options);
  if (issues.length === 0 && workflow && compiled) {
    const whole = !options.targetNodeIds || options.targetNodeIds.length === 0;
    return { ok: true, workflow: markValidated(workflow, registry, compiled, bytes!, whole), issues: [] };
  }
  return workflow ? { ok: false, workflow, issues } : { ok: false, issues };
}

/** A connection the user is dragging, as @xyflow/react describes it. */
export interface ConnectionInput {
  source: string;
  sourceHandle: string | null | undefined;
  target: string;
  targetHandle: string | null | undefined;
}

export type ConnectionCheck = { ok: true } | { ok: false; issue: ValidationIssue };

/**
 * Whether a new edge may join the workflow: both ports exist, their types fit, the input
 * is free (or takes many), the pair is not already linked, and no cycle would form.
 * Cheap enough to call on every pointer move while the user drags.
 */
export function validateConnection(workflow: WorkflowInput, connection: ConnectionInput, registry: NodeRegistry): ConnectionCheck {
  const refuse = (code: ValidationIssue['code'], message: string): ConnectionCheck => ({ ok: false, issue: { code, message, nodeId: connection.target } });
  const { source, target } = connection;
  const sourceHandle = connection.sourceHandle ?? '';
  const targetHandle = connection.targetHandle ?? '';
  if (source === target) return refuse('E_SELF_LOOP', 'A node cannot be connected to itself.');
  const sourceNode = workflow.nodes.find((n) => n.id === source);
  const targetNode = workflow.nodes.find((n) => n.id === target);
  if (!sourceNode || !targetNode) return refuse('E_MISSING_NODE', 'One end of the connection is not a node.');
  if (isNoteNode(sourceNode) || isNoteNode(targetNode)) return refuse('E_NOTE_CONNECTED', 'A note has no ports: it cannot be connected.');
  const sourceDef = registry.get(sourceNode.type);
  const targetDef = registry.get(targetNode.type);
  if (!sourceDef || !targetDef) return refuse('E_UNKNOWN_NODE_TYPE', 'One end of the connection has an unknown node type.');
  const parseData = (def: AnyNodeDefinition, data: Record<string, unknown> | undefined) => {
    const parsed = def.data.safeParse(splitData(data ?? {}).own);
    return parsed.success ? parsed.data : (data ?? {});
  };
  const out = portOf(safePorts(() => outputPortsOf(sourceDef, parseData(sourceDef, sourceNode.data))), sourceHandle);
  const inp = portOf(safePorts(() => inputPortsOf(targetDef, parseData(targetDef, targetNode.data))), targetHandle);
  if (!out) return refuse('E_MISSING_HANDLE', `${sourceDef.label} has no output "${sourceHandle}".`);
  if (!inp) return refuse('E_MISSING_HANDLE', `${targetDef.label} has no input "${targetHandle}".`);
  if (!portTypesCompatible(out.type, inp.type)) {
    return refuse('E_PORT_TYPE_MISMATCH', `${out.type} output cannot feed the ${inp.type} input "${inp.label ?? targetHandle}".`);
  }
  for (const edge of workflow.edges) {
    if (edge.target !== target || edge.targetHandle !== targetHandle) continue;
    if (edge.source === source && edge.sourceHandle === sourceHandle) return refuse('E_DUPLICATE_EDGE', 'These ports are already connected.');
    if (!inp.multiple) return refuse('E_INPUT_TAKEN', `Input "${inp.label ?? targetHandle}" takes one connection and already has one.`);
  }
  if (wouldCreateCycle(buildGraphIndex(workflow.nodes, workflow.edges), source, target)) {
    return refuse('E_CYCLE', 'This connection would create a cycle.');
  }
  return { ok: true };
}
