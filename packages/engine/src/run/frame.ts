import type { ChildNodeEvent } from '../model';
import type { RunTraceOptions } from '../tracing';
import type { RunCaps, RunOptions } from '../types';
import type { Attempt, Job } from './attempt';

/**
 * What a node that runs other nodes (Map, Workflow) or reads the run's inputs (Input) needs of
 * the run it belongs to, beyond its `run` arguments. One per run; nodes reach it through their
 * attempt, so it stays out of the public `NodeRunArgs`.
 */
export interface RunFrame {
  /** The run's id. */
  readonly runId: string;
  /** The options the run was started with. */
  readonly options: RunOptions;
  /** The caps in force. */
  readonly caps: RunCaps;
  /** 0 for a run a host started; one more for each level of sub-workflow. */
  readonly depth: number;
  /** Values of the run's Input nodes by name. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Emits `node:progress` for the job's node. */
  progress(job: Job, done: number, total: number): void;
  /** How a child run started by `attempt` is traced: under that attempt's span. */
  childTrace(attempt: Attempt): RunTraceOptions;
  /** Emits a child run's node event as `node:child` under `path` (its first id is the job's node). */
  child(path: readonly string[], event: ChildNodeEvent): void;
}

/** How deep a child run sits, by the options object its parent built for it. */
export const nestingOf = new WeakMap<RunOptions, number>();
