import {
  builtinNodes,
  createRegistry,
  debugNode,
  defineNode,
  type RunEvent,
  type Workflow,
} from '@galaxyflow/engine';
import { test, vi } from 'vitest';
import type { EditorClient } from '../../client/types';
import type { EditorClientContractOptions, EditorClientHarness } from './types';

/** How long the suite waits for a run to end or an event to arrive. */
export const PROMPTLY_MS = 10_000;

/** Runs until its run is canceled: a run that is surely still RUNNING when Cancel is pressed. */
const waitNode = defineNode({
  type: 'contract-wait',
  label: 'Wait',
  category: 'Contract',
  inputs: {},
  outputs: { text: { type: 'text', label: 'Text' } },
  // An empty schema borrowed from a built-in: the suite needs no schema library of its own.
  data: debugNode.data,
  run: ({ signal }) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
});

export const registry = createRegistry([...builtinNodes, waitNode]);

const at = (x: number) => ({ x, y: 0 });

/** `a` (text) feeds `b` and `c` (debug): a run's outputs are `{ value: text }` on both. */
export function greeting(text = 'hello'): Workflow {
  return {
    nodes: [
      { id: 'a', type: 'text', data: { text }, position: at(0) },
      { id: 'b', type: 'debug', data: {}, position: at(200) },
      { id: 'c', type: 'debug', data: {}, position: at(400) },
    ],
    edges: [
      { id: 'e1', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' },
      { id: 'e2', source: 'a', sourceHandle: 'text', target: 'c', targetHandle: 'value' },
    ],
  };
}

/** One node that waits until its run is canceled. */
export const waiting: Workflow = {
  nodes: [{ id: 'w', type: 'contract-wait', data: {}, position: at(0) }],
  edges: [],
};

/** What a subscriber heard, and a promise of everything up to `run:finish`. */
export function follow(client: EditorClient, runId: string) {
  const events: RunEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = () => {};
  const finished = new Promise<RunEvent[]>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Run ${runId} sent no run:finish within ${PROMPTLY_MS} ms.`)),
      PROMPTLY_MS,
    );
    unsubscribe = client.subscribe(runId, (event) => {
      events.push(event);
      if (event.type === 'run:finish') {
        clearTimeout(timer);
        resolve(events);
      }
    });
  });
  // Awaited by the tests that need it; a test that stops listening never will.
  finished.catch(() => {});
  const stop = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  return { events, finished, stop };
}

/** Waits until `check` passes, or fails with its last assertion. */
export const eventually = (check: () => void | Promise<void>) =>
  vi.waitFor(check, { timeout: PROMPTLY_MS, interval: 10 });

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection, but it resolved.');
}

/** Registers one test with a fresh client, closed whatever happens. */
export function clientTest(
  options: EditorClientContractOptions,
  title: string,
  fn: (harness: EditorClientHarness) => Promise<void>,
): void {
  test(title, async () => {
    const harness = await options.create({ registry });
    try {
      await fn(harness);
    } finally {
      await harness.close?.();
    }
  });
}
