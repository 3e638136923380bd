// The named export, not the default: eventemitter3's types are CommonJS, and under NodeNext an ES module's
// default import of them is the module object, not the class, so `EventEmitter<...>` would not be a type there.
import type { EventEmitter } from 'eventemitter3';
import type { RunEvent, RunEventMap, RunSnapshot } from '../types';

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  /**
   * Typed eventemitter3 emitter: `handle.events.on('node:finish', (e) => ...)`. A listener that
   * throws does not stop the others nor the run; its error goes to `onListenerError`.
   */
  readonly events: EventEmitter<RunEventMap>;
  /**
   * Resolves when the run is over here: with its final snapshot (a `RunResult`) once every node
   * has reached a final state, or with the resumable snapshot (status QUEUED) when `drain()`
   * suspended it. Never rejects.
   */
  readonly result: Promise<RunSnapshot>;
  /** Cancels the run: in-flight nodes' signals fire, nothing else starts. */
  cancel(reason?: string): void;
  /**
   * Winds the run down without ending it, for a deploy or a worker's shutdown: no node starts
   * from now on, nodes in flight run to their end (or, with `abortInFlight`, are aborted and left
   * to run again), retries and `beforeNodeStart` holds are left for later, and no `run:finish` is
   * emitted. Resolves with a snapshot to hand to `RunOptions.resume` (status QUEUED), in which
   * every node that ended keeps its result. A run that ends meanwhile (its last nodes finish, a
   * fail_fast failure, a cancel) resolves with its final snapshot instead.
   */
  drain(options?: DrainOptions): Promise<RunSnapshot>;
  /**
   * Every event from now until `run:finish`, as an async iterator. Events wait in the iterator
   * until read; breaking out of `for await` (or calling `return()`) ends it, dropping what it
   * holds and buffering nothing more, while the run goes on.
   */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent>;
}

export interface DrainOptions {
  /**
   * Aborts the attempts in flight instead of waiting for them: their nodes are left out of the
   * snapshot and run again where the run resumes (a shutdown past its deadline). Default false.
   */
  abortInFlight?: boolean;
}
