import * as z from 'zod';
import { defineNode } from '../defineNode';
import { GalaxyError } from '../errors';
import { frameOf } from '../run/attempt';
import { loadChildWorkflow, startChildRun } from '../run/nested';
import type { NodeResult, PortMap, RunSnapshot } from '../types';
import { portMapOf } from '../workflowInterface';
import { PortNameSchema, PortTypeSchema } from './input';

const WorkflowPortSchema = z.object({
  name: PortNameSchema,
  type: PortTypeSchema.default('any'),
  required: z.boolean().optional(),
});

// A node just dropped on the canvas has neither: the editor says what to do, not what zod expected.
export const WorkflowRefDataSchema = z.object({
  /** The saved workflow to run. */
  workflowId: z.preprocess(
    (value) => value ?? '',
    z.string().min(1, 'Pick a workflow to run.').max(128),
  ),
  /** Its version: a Workflow node always runs the version it was pinned to. */
  version: z.preprocess((value) => value ?? 0, z.number().int().min(1, 'Pick the version to run.')),
});

const WorkflowData = WorkflowRefDataSchema.extend({
  /** The workflow's name when it was picked, for the node's header. */
  name: z.string().max(200).optional(),
  /** Its Input nodes when it was picked (`workflowInterface`): this node's input ports. */
  inputs: z.array(WorkflowPortSchema).max(64).default([]),
  /** Its Output nodes when it was picked: this node's output ports. */
  outputs: z.array(WorkflowPortSchema).max(64).default([]),
});

/** The values of a child run's Output nodes, by name; the first Output of a name wins. */
export function childOutputs(
  workflow: { nodes: readonly { id: string; type: string; data: Record<string, unknown> }[] },
  nodes: Readonly<Record<string, NodeResult>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const node of workflow.nodes) {
    if (node.type !== 'output') continue;
    const name = typeof node.data.name === 'string' ? node.data.name : 'output';
    if (Object.hasOwn(out, name)) continue;
    const output = Object.hasOwn(nodes, node.id) ? nodes[node.id]!.output : undefined;
    if (output && Object.hasOwn(output, 'value')) out[name] = output.value;
  }
  return out;
}

/** Why a child run did not succeed, as the error of the node that ran it. */
export function childFailure(label: string, snapshot: RunSnapshot, nodeId: string): GalaxyError {
  const cause = snapshot.error;
  return new GalaxyError(
    'E_SUBWORKFLOW_FAILED',
    `Workflow ${label} ended ${snapshot.status}${cause ? `: ${cause.message}` : '.'}`,
    {
      nodeId,
      details: {
        status: snapshot.status,
        ...(cause
          ? {
              cause: {
                code: cause.code,
                message: cause.message,
                ...(cause.nodeId !== undefined ? { nodeId: cause.nodeId } : {}),
              },
            }
          : {}),
      },
    },
  );
}

/**
 * Runs a saved workflow, pinned to a version, as one node: its Input nodes are this node's
 * inputs, its Output nodes this node's outputs. The host loads it (`RunContext.loadWorkflow`,
 * as the run's owner may see it); its node events stream nested under this node
 * (`node:child`), and its node results are kept in this node's `meta.child`.
 */
export const workflowNode = /* @__PURE__ */ defineNode({
  type: 'workflow',
  label: 'Workflow',
  category: 'Workflow',
  description:
    'Runs another saved workflow, pinned to a version, with its Inputs and Outputs as ports.',
  inputs: (data: z.output<typeof WorkflowData>): PortMap => portMapOf(data.inputs, 'inputs'),
  outputs: (data: z.output<typeof WorkflowData>): PortMap => portMapOf(data.outputs, 'outputs'),
  data: WorkflowData,
  fields: {},
  async run(args) {
    const { data, nodeId, signal } = args;
    const found = frameOf(args);
    if (!found)
      throw new GalaxyError(
        'E_SUBWORKFLOWS_UNAVAILABLE',
        'A Workflow node runs only inside a run.',
        { nodeId },
      );
    const { frame, attempt } = found;
    const ref = { workflowId: data.workflowId, version: data.version };
    const label = `${ref.workflowId}@${ref.version}`;
    const workflow = await loadChildWorkflow(frame, ref, nodeId, signal);
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(args.inputs as Record<string, unknown>))
      inputs[name] = value;
    const runId = `${frame.runId}/${nodeId}`;
    const handle = startChildRun(frame, attempt, workflow, {
      runId,
      inputs,
      signal,
      depth: frame.depth + 1,
      path: [nodeId],
      log: args.log,
      workflowId: ref.workflowId,
    });
    const snapshot = await handle.result;
    args.setMeta({ child: { ...ref, runId, status: snapshot.status, nodes: snapshot.nodes } });
    if (snapshot.status !== 'SUCCESS') throw childFailure(label, snapshot, nodeId);
    return childOutputs(workflow, snapshot.nodes);
  },
});
