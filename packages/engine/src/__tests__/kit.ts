import { z } from 'zod';
import { defineNode } from '../defineNode';
import { GalaxyError, RetryableError } from '../errors';
import { builtinNodes } from '../nodes/index';
import { createRegistry } from '../registry';
import type { WorkflowEdge, WorkflowInput } from '../index';

/** What the `step` test node records so tests can check timing and order. */
export interface Trace {
  starts: string[];
  finishes: string[];
  running: number;
  maxRunning: number;
  aborted: string[];
  /** Per node id: how many times `run` was called. */
  calls: Map<string, number>;
}

export function createTrace(): Trace {
  return { starts: [], finishes: [], running: 0, maxRunning: 0, aborted: [], calls: new Map() };
}

/**
 * A test node: waits `ms` (honouring its signal), then outputs its inputs joined with its id.
 * `failTimes` makes the first N attempts throw (`retryable` decides the error kind);
 * `fail: true` always throws.
 */
export const stepNode = defineNode({
  type: 'step',
  label: 'Step',
  category: 'Test',
  inputs: { in: { type: 'any', multiple: true } },
  outputs: { out: { type: 'text' } },
  data: z.object({
    ms: z.number().default(0),
    fail: z.boolean().default(false),
    failTimes: z.number().default(0),
    retryable: z.boolean().default(false),
    ignoreSignal: z.boolean().default(false),
  }),
  async run({ nodeId, inputs, data, signal, attempt, context }) {
    const trace = context.trace as Trace | undefined;
    if (trace) {
      trace.calls.set(nodeId, (trace.calls.get(nodeId) ?? 0) + 1);
      trace.starts.push(nodeId);
      trace.running++;
      trace.maxRunning = Math.max(trace.maxRunning, trace.running);
    }
    try {
      if (data.ms > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, data.ms);
          if (!data.ignoreSignal) {
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              trace?.aborted.push(nodeId);
              reject(signal.reason);
            });
          }
        });
      }
      if (data.fail || attempt <= data.failTimes) {
        if (data.retryable) throw new RetryableError(`${nodeId} flaked on attempt ${attempt}`);
        throw new GalaxyError('E_NODE_FAILED', `${nodeId} broke`);
      }
      const parts = (inputs.in ?? []).map(String);
      return { out: parts.length > 0 ? `${parts.join('+')}>${nodeId}` : nodeId };
    } finally {
      if (trace) {
        trace.running--;
        trace.finishes.push(nodeId);
      }
    }
  },
});

/** A node with one required text input, for required-input and port-type rules. */
export const needsTextNode = defineNode({
  type: 'needs_text',
  label: 'Needs text',
  category: 'Test',
  inputs: { text: { type: 'text', required: true }, extra: { type: 'json' } },
  outputs: { image: { type: 'image' } },
  data: z.object({ size: z.number().int().min(1).default(1) }),
  run: ({ inputs }) => ({ image: `data:text/plain,${inputs.text}` }),
});

/** The ports and settings of a test node with no inputs and one text output: spread it, add `run`. */
export function textSource(type: string, label: string) {
  return {
    type,
    label,
    category: 'Test',
    inputs: {},
    outputs: { text: { type: 'text' as const } },
    data: z.object({}),
  };
}

export const testRegistry = createRegistry([
  ...builtinNodes,
  stepNode,
  needsTextNode,
]);

type StepData = { ms?: number; fail?: boolean; failTimes?: number; retryable?: boolean; ignoreSignal?: boolean } & Record<string, unknown>;

/** Builds a workflow of step nodes from `a>b` style edge specs. */
export function steps(ids: string[], links: string[], data: Record<string, StepData> = {}): WorkflowInput {
  const edges: WorkflowEdge[] = links.map((link) => {
    const [source, target] = link.split('>') as [string, string];
    return { id: `${source}-${target}`, source, sourceHandle: 'out', target, targetHandle: 'in' };
  });
  return { nodes: ids.map((id) => ({ id, type: 'step', data: data[id] ?? {} })), edges };
}
