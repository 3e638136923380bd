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
 * recovery loop: a crash leaves its runs to a real queue. `stop` keeps `RunQueue`'s promise:
 * nodes in flight finish up to the deadline, then their runs are handed back QUEUED. For
 * tests and demos.
 */
export function createInlineQueue(options: InlineQueueOptions): InlineQueue {
  const { store, registry } = options;
  const events = options.events ?? createMemoryEventBus();
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = `inline-${randomUUID()}`;
  const enqueued: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const controls = new Map<
    string,
    { cancel: AbortController; drain: AbortController; release: AbortController }
  >();
  let paused = options.paused ?? false;
  const held: string[] = [];

  function schedule(runId: string): void {
    const control = {
      cancel: new AbortController(),
      drain: new AbortController(),
      release: new AbortController(),
    };
    controls.set(runId, control);
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        executeRun(runId, {
          store,
          registry,
          events,
          workerId,
          leaseMs,
          cancelSignal: control.cancel.signal,
          drainSignal: control.drain.signal,
          releaseSignal: control.release.signal,
          ...(options.context ? { context: options.context } : {}),
          ...(options.engine ? { engine: options.engine } : {}),
        }),
      )
      .then(() => undefined)
      .finally(() => {
        inFlight.delete(task);
        controls.delete(runId);
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
      controls.get(runId)?.cancel.abort();
    },
    async start() {},
    async stop(stopOptions = {}) {
      // No node starts from now on; nodes in flight may finish until the deadline.
      for (const control of controls.values()) control.drain.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, stopOptions.deadlineMs ?? 10_000);
      });
      await Promise.race([Promise.allSettled([...inFlight]), deadline]);
      clearTimeout(timer);
      for (const control of controls.values()) control.release.abort();
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
