import type { RunEvent } from '@galaxyflow/engine';
import type { LogInput, NodeResultInput, RunEventRecord, RunStore } from '../store/types';

/** Stores what a run reports while it goes on, in batches. */
export interface ProgressWriter {
  nodeResult(result: NodeResultInput): void;
  log(log: LogInput): void;
  event(event: RunEvent): void;
  /** Resolves when everything added so far is stored (or the writer stopped). */
  drain(): Promise<void>;
  /** The highest `seq` stored by this writer. */
  readonly lastSeq: number;
  /** Set when a write failed or the lease was gone: nothing more is written. */
  readonly broken: 'lost' | 'failed' | undefined;
}

/**
 * Batches what the engine reports into one store transaction per turn of the event loop:
 * everything emitted in one turn (a node ending, the next one starting) is written together,
 * before the next turn's timers run. Writes are fenced by the worker's lease: once the store
 * says the lease is gone, nothing more is written and `onBroken` is told.
 */
export function createProgressWriter(
  store: RunStore,
  runId: string,
  workerId: string,
  publish: (records: readonly RunEventRecord[]) => void,
  onBroken: (why: 'lost' | 'failed', error?: unknown) => void,
): ProgressWriter {
  let nodeResults: NodeResultInput[] = [];
  let logs: LogInput[] = [];
  let events: RunEvent[] = [];
  let flushing: Promise<void> | null = null;
  let lastSeq = 0;
  let broken: 'lost' | 'failed' | undefined;

  const pending = () => nodeResults.length + logs.length + events.length > 0;

  async function flushLoop(): Promise<void> {
    // Let the rest of this turn of the event loop join the batch: the engine's synchronous
    // burst, and the starts a `beforeNodeStart` check admits a few microtasks later.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (pending() && !broken) {
      const batch = { nodeResults, logs, events };
      nodeResults = [];
      logs = [];
      events = [];
      try {
        const records = await store.recordRunProgress(runId, workerId, batch);
        if (records === undefined) {
          broken = 'lost';
          onBroken('lost');
        } else if (records.length > 0) {
          lastSeq = records[records.length - 1]!.seq;
          publish(records);
        }
      } catch (error) {
        broken = 'failed';
        onBroken('failed', error);
      }
    }
    flushing = null;
  }

  function schedule(): void {
    if (!broken && !flushing) flushing = flushLoop();
  }

  return {
    nodeResult(result) {
      if (broken) return;
      nodeResults.push(result);
      schedule();
    },
    log(log) {
      if (broken) return;
      logs.push(log);
      schedule();
    },
    event(event) {
      if (broken) return;
      events.push(event);
      schedule();
    },
    async drain() {
      while (flushing) await flushing;
    },
    get lastSeq() {
      return lastSeq;
    },
    get broken() {
      return broken;
    },
  };
}
