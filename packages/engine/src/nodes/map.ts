import * as z from 'zod';
import { defineNode } from '../defineNode';
import { type ErrorInfo, GalaxyError } from '../errors';
import { frameOf } from '../run/attempt';
import type { RunFrame } from '../run/frame';
import type { RunHandle } from '../run/handle';
import { afterTurn } from '../run/helpers';
import { loadChildWorkflow, startChildRun } from '../run/nested';
import type { JsonValue, NodeResult, RunSnapshot } from '../types';
import { validatedFor } from '../validated';
import { validateWorkflow } from '../validate';
import { workflowInterface } from '../workflowInterface';
import { childFailure, childOutputs } from './workflow';

const MapData = z.object({
  /** Run a node type per item (`node`) or a saved workflow (`workflow`). Default `node`. */
  mode: z.enum(['node', 'workflow']).default('node'),
  /** mode `node`: the node type each item runs through. Default `template`. */
  nodeType: z.string().min(1).max(128).default('template'),
  /** mode `node`: that node's data, edited as its own fields. */
  nodeData: z.record(z.string(), z.unknown()).default({}),
  /** mode `node`: the input port of that node each item goes to. Default `item`. */
  itemPort: z.string().min(1).max(128).default('item'),
  /** mode `node`: the output port of that node whose values make the list. Default its first output. */
  outputPort: z.string().max(128).optional(),
  /** mode `workflow`: the saved workflow each item runs, pinned to `version`. */
  workflowId: z.string().max(128).optional(),
  version: z.number().int().min(1).optional(),
  /** Items running at once, at most the host's `caps.mapConcurrency`. Default 4. */
  concurrency: z.number().int().min(1).max(256).default(4),
  /** `stop`: the first failed item fails the node and cancels the rest; `collect`: failed items give `null` and an entry in `errors`. Default `stop`. */
  onItemError: z.enum(['stop', 'collect']).default('stop'),
});
type MapDataOut = z.output<typeof MapData>;

/** What one item of a Map node did, in its node's `meta.items`, by item index. */
export interface MapItemResult {
  status: 'SUCCESS' | 'FAILED' | 'CANCELED';
  durationMs: number;
  error?: ErrorInfo;
  /** mode `workflow`: the item's node results. */
  nodes?: Record<string, NodeResult>;
}

/** How a Map node runs one item: the graph, how an item becomes its inputs, and what it outputs. */
interface ItemPlan {
  workflow: unknown;
  inputsOf(item: unknown, index: number): Record<string, unknown>;
  valueOf(snapshot: RunSnapshot): unknown;
  /** Sub-workflow level of each item's run. */
  depth: number;
  keepNodes: boolean;
  /** The saved workflow each item runs, for its run span. */
  workflowId?: string;
  label: string;
}

/** Longest stretch, in ms, the Map starts items without giving the event loop a turn. */
const SLICE_MS = 10;
const ITEM = 'item';
const NODE = 'node';

function planNode(frame: RunFrame, data: MapDataOut, nodeId: string): ItemPlan {
  const { registry } = frame.options;
  const definition = registry.get(data.nodeType);
  if (!definition)
    throw new GalaxyError(
      'E_MAP_NODE_TYPE',
      `The Map node runs "${data.nodeType}", which this host does not have.`,
      { nodeId },
    );
  if (!registry.has('input'))
    throw new GalaxyError('E_MAP_NODE_TYPE', 'The Map node needs the Input node type registered.', {
      nodeId,
    });
  const graph = {
    nodes: [
      { id: ITEM, type: 'input', data: { name: ITEM } },
      { id: NODE, type: data.nodeType, data: data.nodeData },
    ],
    edges: [
      {
        id: 'item',
        source: ITEM,
        sourceHandle: 'value',
        target: NODE,
        targetHandle: data.itemPort,
      },
    ],
  };
  const validation = validateWorkflow(
    graph,
    registry,
    frame.options.limits ? { limits: frame.options.limits } : {},
  );
  if (!validation.ok) {
    const issue = validation.issues[0]!;
    const where =
      issue.code === 'E_MISSING_HANDLE'
        ? `${definition.label} has no input "${data.itemPort}" for the items`
        : issue.message;
    throw new GalaxyError(
      'E_MAP_NODE_TYPE',
      `The Map node cannot run ${definition.label} per item: ${where}`,
      { nodeId, details: { issues: validation.issues.map((i) => ({ ...i })) } },
    );
  }
  const compiled = validatedFor(validation.workflow, registry, frame.options.limits, undefined)!;
  const itemNode = compiled.nodes.find((n) => n.id === NODE)!;
  const port = data.outputPort || itemNode.outputList[0]?.[0];
  if (port === undefined || !itemNode.outputList.some(([name]) => name === port)) {
    throw new GalaxyError(
      'E_MAP_NODE_TYPE',
      `${definition.label} has no output "${port ?? ''}" to collect.`,
      { nodeId },
    );
  }
  return {
    workflow: validation.workflow,
    inputsOf: (item) => ({ [ITEM]: item }),
    valueOf: (snapshot) => snapshot.nodes[NODE]?.output?.[port],
    depth: frame.depth,
    keepNodes: false,
    label: definition.label,
  };
}

async function planWorkflow(
  frame: RunFrame,
  data: MapDataOut,
  nodeId: string,
  signal: AbortSignal,
): Promise<ItemPlan> {
  if (!data.workflowId || data.version === undefined)
    throw new GalaxyError('E_MAP_NODE_TYPE', 'Pick the workflow the Map node runs per item.', {
      nodeId,
    });
  const ref = { workflowId: data.workflowId, version: data.version };
  const workflow = await loadChildWorkflow(frame, ref, nodeId, signal);
  const { inputs, outputs } = workflowInterface(workflow);
  const only = inputs.length === 1 ? inputs[0]!.name : undefined;
  return {
    workflow,
    // One Input takes the item as it is; several take the fields of an object item.
    inputsOf: (item) =>
      only !== undefined
        ? { [only]: item }
        : item !== null && typeof item === 'object' && !Array.isArray(item)
          ? { ...(item as Record<string, unknown>) }
          : {},
    valueOf: (snapshot) => {
      const values = childOutputs(workflow, snapshot.nodes);
      return outputs.length === 1 ? (values[outputs[0]!.name] ?? null) : values;
    },
    depth: frame.depth + 1,
    keepNodes: true,
    workflowId: ref.workflowId,
    label: `workflow ${ref.workflowId}@${ref.version}`,
  };
}

/**
 * Runs a node type, or a saved workflow, once per item of a list, a few at a time, and outputs
 * the list of results in input order. Each item is a run of its own (with the node's retry
 * policy and time limit), canceled with this node. `meta.items` holds each item's status,
 * time and error; progress goes out as `node:progress` while items finish.
 */
export const mapNode = /* @__PURE__ */ defineNode({
  type: 'map',
  label: 'Map',
  category: 'Workflow',
  description:
    'Runs a node or a saved workflow once per item of a list, a few at a time; outputs the results in order.',
  inputs: {
    items: {
      type: 'json',
      required: true,
      label: 'Items',
      description: 'A list: each item runs once.',
    },
  },
  outputs: {
    results: {
      type: 'json',
      label: 'Results',
      description: 'One result per item, in input order (null for a failed item).',
    },
    errors: {
      type: 'json',
      label: 'Errors',
      description: 'Failed items: index, code and message.',
    },
  },
  data: MapData,
  fields: {
    mode: {
      kind: 'select',
      label: 'Run per item',
      options: [
        { value: 'node', label: 'A node' },
        { value: 'workflow', label: 'A saved workflow' },
      ],
    },
    // The node type, its own fields and the saved workflow are picked in the editor's Map form.
    itemPort: {
      kind: 'text',
      label: 'Item goes to input',
      showWhen: { mode: ['node'] },
      advanced: true,
    },
    outputPort: {
      kind: 'text',
      label: 'Collect output',
      showWhen: { mode: ['node'] },
      advanced: true,
    },
    concurrency: { kind: 'number', label: 'At once', min: 1, max: 256, step: 1 },
    onItemError: {
      kind: 'select',
      label: 'When an item fails',
      options: [
        { value: 'stop', label: 'Stop and cancel the rest' },
        { value: 'collect', label: 'Go on; collect errors' },
      ],
    },
  },
  previewOutput: 'results',
  async run(args) {
    const { data, nodeId, signal } = args;
    const found = frameOf(args);
    if (!found)
      throw new GalaxyError('E_SUBWORKFLOWS_UNAVAILABLE', 'A Map node runs only inside a run.', {
        nodeId,
      });
    const { frame, attempt } = found;
    const items = (args.inputs as Record<string, unknown>).items;
    if (!Array.isArray(items)) {
      throw new GalaxyError(
        'E_MAP_NOT_A_LIST',
        `The Map node's items input is ${items === null ? 'null' : typeof items}, not a list.`,
        { nodeId },
      );
    }
    const total = items.length;
    if (total > frame.caps.mapItems) {
      throw new GalaxyError(
        'E_MAP_TOO_MANY_ITEMS',
        `The list has ${total} items; this host runs at most ${frame.caps.mapItems} per Map node.`,
        { nodeId, details: { items: total, maxItems: frame.caps.mapItems } },
      );
    }
    const plan =
      data.mode === 'workflow'
        ? await planWorkflow(frame, data, nodeId, signal)
        : planNode(frame, data, nodeId);
    const limit = Math.min(data.concurrency, frame.caps.mapConcurrency);
    const stopOnError = data.onItemError === 'stop';
    const results: unknown[] = new Array(total).fill(null);
    const meta: MapItemResult[] = new Array(total);
    const errors: { index: number; code: string; message: string }[] = [];
    // Items in flight stop with the node, and on the first failure when `stop`: canceled through
    // their handles, where a signal per item would cost an AbortController and a listener each.
    const inFlight = new Set<RunHandle>();
    let stopped: string | undefined;
    const stopAll = (reason: string): void => {
      if (stopped !== undefined) return;
      stopped = reason;
      for (const handle of inFlight) handle.cancel(reason);
    };
    const onAbort = () =>
      stopAll(signal.reason instanceof Error ? signal.reason.message : 'The Map node was stopped.');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // One progress event per percent at most: a list of thousands must not flood the stream.
    const step = Math.max(1, Math.floor(total / 100));
    let reported = 0;
    let done = 0;
    let next = 0;
    let running = 0;
    let failure: { index: number; error: ErrorInfo } | undefined;
    args.progress(0, total);
    const clock = frame.options.now ?? Date.now;
    /**
     * When the current stretch of starting items began, -1 once the event loop has had a turn
     * since: items of quick nodes end in microtasks, so a long list would never let it have one.
     */
    let stretch = -1;
    const endStretch = (): void => {
      stretch = -1;
    };

    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (running < limit && next < total && stopped === undefined) {
          const at = performance.now();
          if (stretch < 0) {
            stretch = at;
            afterTurn(endStretch);
          } else if (at - stretch > SLICE_MS) {
            afterTurn(pump);
            return;
          }
          start(next++);
        }
        if (running === 0) resolve();
      };
      const start = (index: number): void => {
        running++;
        const startedAt = clock();
        const handle = startChildRun(frame, attempt, plan.workflow, {
          runId: `${frame.runId}/${nodeId}/${index}`,
          inputs: plan.inputsOf(items[index], index),
          depth: plan.depth,
          mapItem: !plan.keepNodes,
          ...(plan.workflowId !== undefined ? { workflowId: plan.workflowId } : {}),
        });
        inFlight.add(handle);
        void handle.result.then((snapshot) => {
          inFlight.delete(handle);
          running--;
          done++;
          const entry: MapItemResult = {
            status:
              snapshot.status === 'SUCCESS'
                ? 'SUCCESS'
                : snapshot.status === 'CANCELED'
                  ? 'CANCELED'
                  : 'FAILED',
            durationMs: Math.max(0, clock() - startedAt),
          };
          if (plan.keepNodes) entry.nodes = snapshot.nodes;
          if (entry.status === 'SUCCESS') {
            results[index] = plan.valueOf(snapshot) ?? null;
          } else {
            const error = plan.keepNodes
              ? childFailure(plan.label, snapshot, nodeId).toJSON()
              : snapshot.error;
            if (error) entry.error = error;
            if (entry.status === 'FAILED' && error) {
              errors.push({ index, code: error.code, message: error.message });
              if (stopOnError && !failure) {
                failure = { index, error };
                stopAll(`Canceled because item ${index + 1} failed.`);
              }
            }
          }
          meta[index] = entry;
          if (done === total || done - reported >= step) {
            reported = done;
            args.progress(done, total);
          }
          pump();
        });
      };
      pump();
    });
    signal.removeEventListener('abort', onAbort);
    // Items never started (a stop) have no entry; JSON keeps them as null.
    args.setMeta({ items: Array.from(meta, (entry) => entry ?? null), done, total });
    if (failure) {
      throw new GalaxyError(
        'E_MAP_ITEM_FAILED',
        `Item ${failure.index + 1} of ${total} failed: ${failure.error.message}`,
        {
          nodeId,
          details: { index: failure.index, code: failure.error.code },
        },
      );
    }
    errors.sort((a, b) => a.index - b.index);
    return { results: results as JsonValue[], errors };
  },
});
