import {
  builtinNodes,
  createRegistry,
  defineNode,
  type NodeRegistry,
  type RunStatus,
} from '@galaxyflow/engine';
import { test } from 'vitest';
import * as z from 'zod';
import type { RunQueue } from '../../queue';
import type { GalaxyStore, RunDetail, WorkflowGraph } from '../../store/types';
import type { QueueContractHarness, QueueContractOptions } from './types';

export const ALICE = 'user-alice';
export const BOB = 'user-bob';

/** How long the suite waits for something a queue must do promptly. */
export const PROMPTLY_MS = 5000;

/**
 * What the suite's nodes did, keyed by their `tag` (their node id when untagged): how often
 * each ran, and a gate per node that holds it until the test opens it or its signal aborts.
 */
export interface Probe {
  /** Executions of the node so far. */
  runs(tag: string): number;
  /** Resolves when the node has started at least once. */
  started(tag: string): Promise<void>;
  /** Lets a held node finish. */
  release(tag: string): void;
  /** Lets every held node finish, now and later. */
  releaseAll(): void;
}

interface Gate {
  open: boolean;
  waiters: (() => void)[];
  onStart: (() => void)[];
}

function createProbe(): Probe & {
  ran(tag: string): void;
  hold(tag: string, signal: AbortSignal): Promise<void>;
} {
  const counts = new Map<string, number>();
  const gates = new Map<string, Gate>();
  let allOpen = false;
  const gate = (tag: string): Gate => {
    let found = gates.get(tag);
    if (!found) {
      found = { open: allOpen, waiters: [], onStart: [] };
      gates.set(tag, found);
    }
    return found;
  };
  const open = (g: Gate) => {
    g.open = true;
    for (const wake of g.waiters.splice(0)) wake();
  };
  return {
    ran(tag) {
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
      for (const notify of gate(tag).onStart.splice(0)) notify();
    },
    runs: (tag) => counts.get(tag) ?? 0,
    started(tag) {
      if ((counts.get(tag) ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => gate(tag).onStart.push(resolve));
    },
    hold(tag, signal) {
      const g = gate(tag);
      if (g.open) return Promise.resolve();
      return new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        g.waiters.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
    release: (tag) => open(gate(tag)),
    releaseAll() {
      allOpen = true;
      for (const g of gates.values()) open(g);
    },
  };
}

const nodeData = z.object({ text: z.string().default(''), tag: z.string().default('') });

/** The suite's node types: `contract-echo` appends its text to its input; `contract-hold` too, once released. */
function contractRegistry(probe: ReturnType<typeof createProbe>): NodeRegistry {
  const ports = {
    inputs: { in: { type: 'any' as const } },
    outputs: { out: { type: 'text' as const } },
  };
  const echo = defineNode({
    type: 'contract-echo',
    label: 'Echo',
    category: 'Contract',
    ...ports,
    data: nodeData,
    run: ({ nodeId, inputs, data }) => {
      probe.ran(data.tag || nodeId);
      return { out: `${typeof inputs.in === 'string' ? inputs.in : ''}${data.text}` };
    },
  });
  const hold = defineNode({
    type: 'contract-hold',
    label: 'Hold',
    category: 'Contract',
    ...ports,
    data: nodeData,
    run: async ({ nodeId, inputs, data, signal }) => {
      const tag = data.tag || nodeId;
      probe.ran(tag);
      await probe.hold(tag, signal);
      return { out: `${typeof inputs.in === 'string' ? inputs.in : ''}${data.text}` };
    },
  });
  return createRegistry([...builtinNodes, echo, hold]);
}

/** One node of a test graph; `after` feeds that node's output to this one's input. */
export interface Step {
  id: string;
  kind?: 'echo' | 'hold';
  text?: string;
  tag?: string;
  after?: string;
}

export function graphOf(steps: readonly Step[]): WorkflowGraph {
  return {
    nodes: steps.map((step) => ({
      id: step.id,
      type: `contract-${step.kind ?? 'echo'}`,
      data: { text: step.text ?? step.id, ...(step.tag ? { tag: step.tag } : {}) },
    })),
    edges: steps.flatMap((step) =>
      step.after === undefined
        ? []
        : [
            {
              id: `${step.after}-${step.id}`,
              source: step.after,
              sourceHandle: 'out',
              target: step.id,
              targetHandle: 'in',
            },
          ],
    ),
  };
}

/** One test's queue, store and probe, with the moves the API makes on them. */
export interface QueueCase {
  queue: RunQueue;
  store: GalaxyStore;
  probe: Probe;
  work: QueueContractHarness['work'];
  /** Stores a QUEUED run of `owner`, as `POST /execute` does before it enqueues. */
  createRun(steps: readonly Step[], owner?: string): Promise<string>;
  /** Hands the run to the queue, as `POST /execute` does. */
  enqueue(runId: string, owner?: string): Promise<void>;
  /** `POST /runs/:id/cancel`: the store ends a queued run, the queue stops a running one. */
  cancel(runId: string, owner?: string): Promise<void>;
  detail(runId: string, owner?: string): Promise<RunDetail>;
  /** The run's status once it is no longer QUEUED or RUNNING (waits up to `PROMPTLY_MS`). */
  ended(runId: string, owner?: string): Promise<RunStatus>;
}

async function openCase(options: QueueContractOptions): Promise<{
  world: QueueCase;
  close(): Promise<void>;
}> {
  const probe = createProbe();
  const harness = await options.create({ registry: contractRegistry(probe) });
  const { queue, store } = harness;
  await store.ensureUser(ALICE);
  await store.ensureUser(BOB);
  const detail = async (runId: string, owner = ALICE) => {
    const found = await store.getRunDetail(owner, runId);
    if (!found) throw new Error(`Run ${runId} is not in the store.`);
    return found;
  };
  const world: QueueCase = {
    queue,
    store,
    probe,
    work: () => harness.work(),
    async createRun(steps, owner = ALICE) {
      const created = await store.createRun(owner, {
        workflowId: null,
        workflowVersion: null,
        graph: graphOf(steps),
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      });
      if (!created.ok) throw new Error('The store refused to create the run.');
      return created.run.id;
    },
    async enqueue(runId, owner = ALICE) {
      const queued = await queue.enqueue(runId, { userId: owner });
      if (queued?.externalId !== undefined) await store.setRunExternalId(runId, queued.externalId);
    },
    async cancel(runId, owner = ALICE) {
      const result = await store.requestCancel(owner, runId);
      if (result.ok && result.run.status === 'RUNNING') await queue.cancel(runId);
    },
    detail,
    async ended(runId, owner = ALICE) {
      const deadline = Date.now() + PROMPTLY_MS;
      for (;;) {
        const { status } = (await detail(runId, owner)).run;
        if (status !== 'QUEUED' && status !== 'RUNNING') return status as RunStatus;
        if (Date.now() > deadline) {
          throw new Error(`Run ${runId} is still ${status} after ${PROMPTLY_MS} ms.`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
  return {
    world,
    async close() {
      // Held nodes go first, so a queue whose stop waits for them cannot hang the cleanup.
      probe.releaseAll();
      try {
        await queue.stop({ deadlineMs: 0 });
      } finally {
        await harness.close();
      }
    },
  };
}

/** Registers one test that gets a fresh queue, stopped and closed whatever happens. */
export function queueTest(
  options: QueueContractOptions,
  title: string,
  fn: (world: QueueCase, skip: () => void) => Promise<void>,
): void {
  test(title, async (context) => {
    const { world, close } = await openCase(options);
    try {
      await fn(world, () => context.skip());
    } finally {
      await close();
    }
  });
}

/** Resolves with `promise`, or rejects saying `what` did not happen within `ms`. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The stored node results of a run as `[nodeId, status, output.out]`, in node id order. */
export function outcomes(detail: RunDetail): [string, string, unknown][] {
  return detail.nodeResults
    .map((r): [string, string, unknown] => [r.nodeId, r.status, r.output?.out])
    .sort(([a], [b]) => a.localeCompare(b));
}
