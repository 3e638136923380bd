import { reachable } from './graph';
import type { NodeRegistry } from './registry';
import { defaultLimits, type Workflow, type WorkflowLimits } from './schema';
import type { CompiledWorkflow } from './validate';

declare const validatedBrand: unique symbol;

/**
 * A workflow `validateWorkflow` accepted, as it returned it: deeply frozen (its nodes, edges,
 * settings and every plain object or array in a node's `data`), so it cannot change after the
 * check. `runWorkflow` and `startRun` recognise it by identity and skip validating it again
 * when they run it with the registry it was validated against; a copy of it (a spread,
 * `structuredClone`, JSON) is a plain workflow again and is validated as before.
 */
export type ValidatedWorkflow = Workflow & { readonly [validatedBrand]: true };

/** What a run needs to trust a validated workflow under its own limits and scope. */
interface Verdict {
  readonly compiled: CompiledWorkflow;
  /** UTF-8 bytes of the document's JSON, as validation measured them. */
  readonly bytes: number;
  /** Whether validation checked every node's data and inputs (no `targetNodeIds`). */
  readonly whole: boolean;
}

/**
 * Verdicts by workflow, then by registry: the same frozen workflow may be valid against one
 * registry and not another. Weak on both keys, so a verdict lives exactly as long as the
 * workflow and registry it is about; nothing here grows with the number of runs.
 */
const verdicts = new WeakMap<object, WeakMap<NodeRegistry, Verdict>>();

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A frozen copy of a plain value (objects with a plain prototype, arrays, nested); anything
 * else (a `Date`, a class instance) is kept as it is. Copied, not frozen in place: the caller's
 * own objects stay theirs to change.
 */
function frozenCopy(value: unknown): unknown {
  if (!isPlainContainer(value)) return value;
  if (Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = frozenCopy(value[i]);
    return Object.freeze(out);
  }
  const out: Record<string, unknown> =
    Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) out[key] = frozenCopy(value[key]);
  return Object.freeze(out);
}

/**
 * Freezes a value validation made itself (the parsed workflow, a node's parsed data), in
 * place: its nested plain values that came from the caller are replaced by frozen copies.
 */
function freezeOwn(value: Record<string, unknown>): void {
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (isPlainContainer(member) && !Object.isFrozen(member)) value[key] = frozenCopy(member);
  }
  Object.freeze(value);
}

/**
 * Freezes a workflow validation accepted, and what a run reads of it (each node's parsed data
 * and common keys, shared by every run of it from now on), and records the verdict.
 */
export function markValidated(
  workflow: Workflow,
  registry: NodeRegistry,
  compiled: CompiledWorkflow,
  bytes: number,
  whole: boolean,
): ValidatedWorkflow {
  // The parsers made fresh node and edge objects; only values inside `data` may be the caller's.
  const { nodes, edges } = workflow;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    freezeOwn(node.data);
    if (node.position) Object.freeze(node.position);
    Object.freeze(node);
  }
  for (let e = 0; e < edges.length; e++) Object.freeze(edges[e]!);
  Object.freeze(nodes);
  Object.freeze(edges);
  if (workflow.settings) freezeOwn(workflow.settings as Record<string, unknown>);
  Object.freeze(workflow);
  const compiledNodes = compiled.nodes;
  for (let i = 0; i < compiledNodes.length; i++) {
    const node = compiledNodes[i]!;
    if (isPlainContainer(node.data) && !Object.isFrozen(node.data))
      freezeOwn(node.data as Record<string, unknown>);
    if (!Object.isFrozen(node.common)) freezeOwn(node.common as Record<string, unknown>);
  }
  let byRegistry = verdicts.get(workflow);
  if (!byRegistry) {
    byRegistry = new WeakMap();
    verdicts.set(workflow, byRegistry);
  }
  byRegistry.set(registry, { compiled, bytes, whole });
  return workflow as ValidatedWorkflow;
}

/**
 * The compiled form of a workflow `validateWorkflow` accepted against this registry, for a run
 * with these limits and targets; undefined when the run must validate it itself: it is not a
 * validated workflow, it was validated against another registry, it is over the run's
 * limits, or the run covers nodes whose data validation did not check. Validation then
 * reports whatever is wrong, as for any workflow.
 */
export function validatedFor(
  workflow: unknown,
  registry: NodeRegistry,
  limits: Partial<WorkflowLimits> | undefined,
  targetNodeIds: readonly string[] | undefined,
): CompiledWorkflow | undefined {
  if (workflow === null || typeof workflow !== 'object') return undefined;
  const verdict = verdicts.get(workflow)?.get(registry);
  if (!verdict) return undefined;
  const { compiled } = verdict;
  const max = limits ? { ...defaultLimits, ...limits } : defaultLimits;
  if (
    compiled.nodes.length > max.maxNodes ||
    compiled.workflow.edges.length > max.maxEdges ||
    verdict.bytes > max.maxBytes
  )
    return undefined;
  if (!targetNodeIds || targetNodeIds.length === 0) return verdict.whole ? compiled : undefined;
  // A partial run: its scope (the targets and their ancestors) must lie inside what was checked.
  const { graph } = compiled;
  const targets: number[] = [];
  for (const id of targetNodeIds) {
    const i = graph.indexOf.get(id);
    if (i === undefined) return undefined;
    targets.push(i);
  }
  const scope = reachable(graph.inStart, graph.inList, targets);
  for (const t of targets) scope[t] = 1;
  if (!verdict.whole) {
    for (let i = 0; i < scope.length; i++) if (scope[i] && !compiled.scope[i]) return undefined;
  }
  return { ...compiled, scope };
}
