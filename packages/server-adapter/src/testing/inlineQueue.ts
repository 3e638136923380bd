import { randomUUID } from 'node:crypto';
import type { NodeRegistry, RunContext } from '@galaxyflow/engine';
import { createMemoryEventBus, type EventBus } from '../events';
import { type EngineDefaults, executeRun } from '../executeRun';
import type { RunQueue } from '../queue';
import type { RunStore } from '../store/types';

export interface InlineQueueOptions {
  store: RunStore;
  registry: NodeRegistry;
  /** Host services handed to every node. Default `{}`. */
  context?: RunContext;
  /** Where run events are published. Default `createMemoryEventBus()`. */
  events?: EventBus;
  /** Lease taken on each run, in ms. Default 60,000. */
  leaseMs?: number;
  /** Engine defaults for every run. Default the engine's. */
  engine?: EngineDefaults;
  /** Hold enqueued runs QUEUED until `resume()`. Default false. */
  paused?: boolean;
}

/** A queue for tests and demos: runs each enqueued run at once, in this process. */
export interface InlineQueue extends RunQueue {
  /** The bus its runs publish to. */
  readonly events: EventBus;
  /** Run ids in the order they were enqueued. */
  readonly enqueued: readonly string[];
  /** Resolves when every run started so far has ended. */
  idle(): Promise<void>;
  /** Starts the runs held while paused, and every later one at once. */
  resume(): void;
}

/**
 * Runs every enqueued run at once through `executeRun`, with no claim order, cap or
 * recovery loop: a crash leaves its runs to a real queue. For tests and demos.
 */
export function createInlineQueue(options: InlineQueueOptions): InlineQueue {
  const { store, registry } = options;
  const events = options.events ?? createMemoryEventBus();
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = `inline-${randomUUID()}`;
  const enqueued: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const cancels = new Map<string, AbortController>();
  let paused = options.paused ?? false;
  const held: string[] = [];

  function schedule(runId: string): void {
    const cancel = new AbortController();
    cancels.set(runId, cancel);
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        executeRun(runId, {
          store,
          registry,
          events,
          workerId,
          leaseMs,
          cancelSignal: cancel.signal,
          ...(options.context ? { context: options.context } : {}),
          ...(options.engine ? { engine: options.engine } : {}),
        }),
      )
      .then(() => undefined)
      .finally(() => {
        inFlight.delete(task);
        cancels.delete(runId);
      });
    inFlight.add(task);
  }

  return {
    events,
    enqueued,
    async enqueue(runId) {
      enqueued.push(runId);
      if (paused) held.push(runId);
      else schedule(runId);
      return { externalId: `inline:${runId}` };
    },
    async cancel(runId) {
      cancels.get(runId)?.abort();
    },
    async start() {},
    async stop() {
      await Promise.allSettled([...inFlight]);
    },
    resume() {
      paused = false;
      for (const runId of held.splice(0)) schedule(runId);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
