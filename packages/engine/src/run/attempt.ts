import { type Span, trace } from '@opentelemetry/api';
import type { ProviderCallTrace, RunTracing } from '../tracing';
import { type ErrorInfo, type GalaxyError, TimeoutError } from '../errors';
import { titleOf } from '../nodeTitle';
import { hashNodeRun } from '../hash';
import type { RetryPolicy } from '../schema';
import type { FinalNodeStatus, JsonValue, LogLevel, NodeMeta, NodeResult } from '../types';
import type { CompiledNode } from '../validate';
import type { RunFrame } from './frame';

/** A node result of this run: the scheduler only records nodes that ended. */
export type EndedNode = NodeResult & { status: FinalNodeStatus };

/** Something in progress that a stop aborts: a node's attempt, its backoff wait or its `beforeNodeStart` hold. */
export interface Flight {
  /** performance.now() by which it must end; Infinity for none. */
  readonly deadline: number;
  /** The job it belongs to. */
  readonly job: Job;
  abort(reason: GalaxyError): void;
  /** Called by the deadline sweeper once `deadline` has passed. */
  expire(): void;
  /** Drops it without a result: the run is draining and the node runs again where it resumes. */
  abandon(reason: GalaxyError): void;
  /** Its place in the run's `Flights`: whether it is there, and its neighbours in start order. */
  listed: boolean;
  prevFlight: Flight | undefined;
  nextFlight: Flight | undefined;
}

/** One node's way through its attempts. */
export interface Job {
  readonly i: number;
  readonly node: CompiledNode;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The node's `data` as the workflow has it, which its hash covers. */
  readonly rawData: unknown;
  /** Known when the run compared it against a reused result; else computed on first read of the result's `hash`. */
  hash: string | undefined;
  /** When the first attempt started (or, until then, when the node was launched). */
  startedAt: number;
  /** Limit of one attempt in ms; `Infinity` for none. */
  readonly timeoutMs: number;
  attempts: number;
  /** Resolved on the first failure only. */
  policy: RetryPolicy | undefined;
  /** What the current attempt reported through `setMeta`; cleared when an attempt starts. */
  meta: NodeMeta | undefined;
  /** Text the current attempt streamed (`emit`), kept as a partial answer if the run stops it. */
  streamed: string;
}

/** What an attempt calls back into: its run's scheduler. */
export interface AttemptHost {
  /** The attempt ended, first time only: `ok` with the executor's value, or not with its error. */
  ended(attempt: Attempt, ok: boolean, value: unknown): void;
  /** The attempt was dropped by a drain: its job has no result in this run. */
  abandoned(flight: Flight): void;
  /** The run the attempt belongs to, for nodes that run other nodes or read the run's inputs. */
  readonly frame: RunFrame;
}

/**
 * One attempt of a job. A class on purpose: its methods live once on the prototype, where an
 * object literal would make two closures per attempt, and its `AbortController` is made only
 * when the executor reads `signal` (most cheap nodes never do; one costs about 2 µs).
 */
export class Attempt implements Flight {
  settled = false;
  /** Whether `run` returned a promise, so the attempt sits in `inflight` until it ends. */
  async = false;
  private controller: AbortController | undefined = undefined;
  private abortedWith: GalaxyError | undefined = undefined;
  /** The attempt's span, when the run is traced by a recording SDK. */
  span: Span | undefined = undefined;
  /** The run's tracing, set with `span`. */
  tracing: RunTracing | undefined = undefined;
  listed = false;
  prevFlight: Flight | undefined = undefined;
  nextFlight: Flight | undefined = undefined;

  constructor(
    readonly host: AttemptHost,
    readonly job: Job,
    readonly deadline: number,
  ) {}

  /**
   * What the attempt's provider calls need to be its span's children. Made on first read: a
   * context holding the span costs a copy of the context's map, and most nodes call no model.
   */
  get trace(): ProviderCallTrace | undefined {
    const { span, tracing } = this;
    if (!span || !tracing) return undefined;
    return { parent: trace.setSpan(tracing.context, span), tracer: tracing.tracer, recordContent: tracing.recordContent };
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  end(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.host.ended(this, ok, value);
  }

  abort(reason: GalaxyError): void {
    if (this.settled) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.end(false, reason);
  }

  expire(): void {
    this.abort(new TimeoutError(this.job.node.id, this.job.timeoutMs, titleOf(this.job.node)));
  }

  abandon(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.host.abandoned(this);
  }
}

/**
 * An attempt waiting on `RunOptions.beforeNodeStart`. Settles once: started, refused, stopped
 * with the run, or abandoned by a drain; the hook's late answer after that is ignored.
 */
export class Hold implements Flight {
  readonly deadline = Number.POSITIVE_INFINITY;
  settled = false;
  readonly controller = new AbortController();
  listed = false;
  prevFlight: Flight | undefined = undefined;
  nextFlight: Flight | undefined = undefined;

  constructor(
    private readonly host: AttemptHost & { stopped(hold: Hold, reason: GalaxyError): void },
    readonly job: Job,
  ) {}

  abort(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.controller.abort(reason);
    this.host.stopped(this, reason);
  }

  expire(): void {}

  abandon(reason: GalaxyError): void {
    if (this.settled) return;
    this.settled = true;
    this.controller.abort(reason);
    this.host.abandoned(this);
  }
}

/**
 * The attempt behind a `run` argument. A symbol key, so JSON and `Object.keys` never see it;
 * reading it through a proxy or an object derived from the argument still finds it.
 */
export const SOURCE = Symbol('galaxyflow.source');

/**
 * The argument of a node's `run`. A class so every argument shares one hidden class and one
 * `signal` getter on the prototype: a getter defined on each argument cost two
 * `Object.defineProperty` calls per attempt, the largest fixed cost of a node. `emit`, `log`
 * and `setMeta` stay own functions, so destructuring them keeps working.
 */
export class RunArgs {
  declare [SOURCE]: Attempt;
  constructor(
    public nodeId: string,
    public inputs: Readonly<Record<string, unknown>>,
    public data: unknown,
    public attempt: number,
    public emit: (delta: string) => void,
    public log: (level: LogLevel, message: string, data?: JsonValue) => void,
    public setMeta: (meta: NodeMeta) => void,
    public context: unknown,
    source: Attempt,
  ) {
    this[SOURCE] = source;
  }

  /** Made on first read: most cheap nodes never read it, and an `AbortController` costs about 2 µs. */
  get signal(): AbortSignal {
    return this[SOURCE].signal;
  }

  /** On the prototype, like `signal`: few nodes report progress, and a closure per attempt would cost them all. */
  progress(done: number, total: number): void {
    const attempt = this[SOURCE];
    if (!attempt.settled) attempt.host.frame.progress(attempt.job, done, total);
  }
}

/** The frame of the run a `run` argument belongs to; undefined for an argument a test made by hand. */
export function frameOf(args: unknown): { frame: RunFrame; attempt: Attempt } | undefined {
  const attempt = args !== null && typeof args === 'object' ? (args as RunArgs)[SOURCE] : undefined;
  return attempt ? { frame: attempt.host.frame, attempt } : undefined;
}

/**
 * A node result the scheduler made, with what its lazy `hash` covers behind private fields:
 * invisible to keys, spreads, JSON and equality, and set in the constructor, where a hidden
 * property defined per result cost an `Object.defineProperty` call per node. It keeps the
 * node's type, raw data and inputs, not the job: a job is done with once the node ends, and
 * keeping one per result made every result about a fifth larger in memory, which the garbage
 * collector copies for as long as the run lasts.
 */
class Ended {
  readonly #type: string;
  readonly #rawData: unknown;
  readonly #inputs: Readonly<Record<string, unknown>>;
  #hash: string | undefined = undefined;
  constructor(job: Job) {
    this.#type = job.node.type;
    this.#rawData = job.rawData;
    this.#inputs = job.inputs;
  }

  /** The hash of a result, or of an object derived from one; undefined for anything else. */
  static hashOf(result: object): string | undefined {
    for (let o: object | null = result; o !== null; o = Object.getPrototypeOf(o)) {
      if (#hash in o) {
        const ended = o as Ended;
        ended.#hash ??= hashNodeRun(ended.#type, ended.#rawData, ended.#inputs);
        return ended.#hash;
      }
    }
    return undefined;
  }
}

/**
 * A result's lazy `hash`: an own enumerable getter, so JSON.stringify and spreads read it like
 * any field, one function for every result so they share their hidden classes.
 */
const hashProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: object): string | undefined {
    return Ended.hashOf(this);
  },
};

/**
 * A SUCCESS or FAILED result of a job that ran, with its `hash`. Hashing every node's inputs
 * is a tenth of a run's cost and only a later run comparing for reuse needs it, so it is
 * computed on first read (see `hashProperty`) unless already known.
 */
export function ranResult(job: Job, status: 'SUCCESS' | 'FAILED', output: Record<string, unknown> | undefined, error: ErrorInfo | undefined): EndedNode {
  const known = job.hash;
  const result = (known === undefined ? new Ended(job) : {}) as EndedNode;
  result.status = status;
  if (output !== undefined) result.output = output;
  result.input = job.inputs;
  result.attempts = job.attempts;
  if (error !== undefined) result.error = error;
  if (known === undefined) Object.defineProperty(result, 'hash', hashProperty);
  else result.hash = known;
  return result;
}
