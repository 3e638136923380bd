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

/** Most rows (results, log lines, events) one transaction writes; the rest waits a turn. */
const MAX_BATCH_ROWS = 300;

/**
 * Batches what the engine reports into store transactions: everything emitted in one turn of
 * the event loop (a node ending, the next one starting) is written together, up to
 * `MAX_BATCH_ROWS` rows a transaction, with a turn of the event loop between transactions, so
 * a run of thousands of quick nodes never holds the process in one long write (a server
 * answers its other requests meanwhile). A node whose start and end fall in one batch is
 * written once, ended. Writes are fenced by the worker's lease: once the store says the lease
 * is gone, nothing more is written and `onBroken` is told.
 */
export function createProgressWriter(
  store: RunStore,
  runId: string,
  workerId: string,
  publish: (records: readonly RunEventRecord[]) => void,
  onBroken: (why: 'lost' | 'failed', error?: unknown) => void,
): ProgressWriter {
  // By node: a later result of a node replaces the one waiting (its RUNNING row) in place, so
  // rows keep their start order.
  const nodeResults = new Map<string, NodeResultInput>();
  let logs: LogInput[] = [];
  let events: RunEvent[] = [];
  let flushing: Promise<void> | null = null;
  let lastSeq = 0;
  let broken: 'lost' | 'failed' | undefined;

  const pending = () => nodeResults.size + logs.length + events.length > 0;
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** Takes up to `MAX_BATCH_ROWS` rows, oldest first in each kind. */
  function takeBatch() {
    let room = MAX_BATCH_ROWS;
    const takeResults: NodeResultInput[] = [];
    for (const [nodeId, result] of nodeResults) {
      if (room === 0) break;
      takeResults.push(result);
      nodeResults.delete(nodeId);
      room--;
    }
    const takeEvents = events.length <= room ? events : events.slice(0, room);
    events = takeEvents === events ? [] : events.slice(room);
    room -= takeEvents.length;
    const takeLogs = logs.length <= room ? logs : logs.slice(0, Math.max(0, room));
    logs = takeLogs === logs ? [] : logs.slice(takeLogs.length);
    return { nodeResults: takeResults, logs: takeLogs, events: takeEvents };
  }

  async function flushLoop(): Promise<void> {
    // Let the rest of this turn of the event loop join the batch: the engine's synchronous
    // burst, and the starts a `beforeNodeStart` check admits a few microtasks later.
    await nextTurn();
    let first = true;
    while (pending() && !broken) {
      if (!first) await nextTurn();
      first = false;
      const batch = takeBatch();
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
      nodeResults.set(result.nodeId, result);
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
