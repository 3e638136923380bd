import type { RunEventRecord } from './store/types';

/** Receives the stored events of one run, in `seq` order, as workers publish them. */
export type RunEventListener = (records: readonly RunEventRecord[]) => void;

/**
 * Carries stored run events from the worker that wrote them to the SSE handlers that stream
 * them. The store stays the source of truth: a bus may drop or repeat messages and streams
 * still deliver every event exactly once, because they number by `seq` and fill gaps from the
 * store. A multi-instance host plugs in Redis pub/sub or Postgres LISTEN/NOTIFY here.
 */
export interface EventBus {
  /** Hands the records (already stored) to the run's subscribers. Must not throw. */
  publish(runId: string, records: readonly RunEventRecord[]): void;
  /** Listens to one run; returns the function that stops listening. */
  subscribe(runId: string, listener: RunEventListener): () => void;
  /**
   * Throws while the bus cannot carry events (its backend is down), for `GET /ready`.
   * Optional: without it the bus counts as ready.
   */
  checkReady?(): Promise<void>;
}

/** The in-process bus, with a count for health checks and tests. */
export interface MemoryEventBus extends EventBus {
  /** Listeners of one run, or of every run when no id is given. */
  listenerCount(runId?: string): number;
}

export interface MemoryEventBusOptions {
  /** Called when a listener throws; the other listeners still run. Default `console.error`. */
  onListenerError?: (error: unknown, runId: string) => void;
}

/**
 * The default bus: plain maps in this process, for a server whose queue workers and SSE
 * handlers share it. Publishing is synchronous, so a stream hears an event as soon as it is
 * stored. A listener that throws is isolated from the others.
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): MemoryEventBus {
  const onListenerError =
    options.onListenerError ??
    ((error: unknown, runId: string) => console.error(`Run ${runId} event listener failed`, error));
  const listeners = new Map<string, Set<RunEventListener>>();
  let total = 0;
  return {
    publish(runId, records) {
      const set = listeners.get(runId);
      if (!set || records.length === 0) return;
      for (const listener of [...set]) {
        try {
          listener(records);
        } catch (error) {
          onListenerError(error, runId);
        }
      }
    },
    subscribe(runId, listener) {
      let set = listeners.get(runId);
      if (!set) {
        set = new Set();
        listeners.set(runId, set);
      }
      // Wrapped so one function subscribed twice counts, and unsubscribes, twice.
      const entry: RunEventListener = (records) => listener(records);
      set.add(entry);
      total += 1;
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        total -= 1;
        const current = listeners.get(runId);
        current?.delete(entry);
        if (current?.size === 0) listeners.delete(runId);
      };
    },
    listenerCount(runId) {
      return runId === undefined ? total : (listeners.get(runId)?.size ?? 0);
    },
  };
}
