import type * as z from 'zod';
import type { JsonValue, LogLevel, NodeMeta, NodeResult, RunEvent, RunEventType, RunSnapshot } from './model';

export type { ChildNodeEvent, FinalNodeStatus, FinalRunStatus, JsonValue, LogEntry, LogLevel, NodeMeta, NodeMetaFallback, NodeResult, NodeStatus, RunEvent, RunEventType, RunResult, RunSnapshot, RunStatus, RunSummary } from './model';

/** The kinds of value that flow along edges. `any` connects to every other kind. */
export type PortType = 'text' | 'image' | 'json' | 'any';

/** One input or output port of a node type. */
export interface PortSpec {
  /** What flows through the port. */
  type: PortType;
  /** Inputs only: the node cannot run without it. Default false. */
  required?: boolean;
  /** Inputs only: accepts several edges and receives an array, in edge order. Default false. */
  multiple?: boolean;
  /** Name shown on the handle. Default: the port's key. */
  label?: string;
  /** One line shown as the handle's tooltip. */
  description?: string;
}

export type PortMap = Record<string, PortSpec>;

/** An image value: a `data:` URL or an `http(s)` URL. */
export type ImageValue = string;

type ValueOf<T extends PortType> = T extends 'text'
  ? string
  : T extends 'image'
    ? ImageValue
    : T extends 'json'
      ? JsonValue
      : unknown;
type InputValue<P extends PortSpec> = P extends { multiple: true } ? ValueOf<P['type']>[] : ValueOf<P['type']>;

/** The inputs a node's `run` receives: required ports are present, others may be missing. */
export type InputsOf<I extends PortMap> = {
  [K in keyof I as I[K] extends { required: true } ? K : never]: InputValue<I[K]>;
} & {
  [K in keyof I as I[K] extends { required: true } ? never : K]?: InputValue<I[K]>;
};

/** The outputs a node's `run` returns, keyed by output port. */
export type OutputsOf<O extends PortMap> = { [K in keyof O]?: ValueOf<O[K]['type']> };

/** Ports fixed by the type, or derived from a node's data (e.g. `{{vars}}` of a template). */
export type PortsDef<D, P extends PortMap = PortMap> = P | PortsOfData<D>;

/**
 * Ports computed from a node's data. Declared through a method so its parameter is
 * bivariant: a definition typed for its own `data` must still be assignable to
 * `AnyNodeDefinition`, which is how the registry holds every definition.
 */
type PortsOfData<D> = { ports(data: D): PortMap }['ports'];

/** How the editor draws one field of a node's settings form. */
export interface FieldSpec {
  /** The widget. */
  kind:
    | 'text'
    | 'textarea'
    | 'number'
    | 'select'
    | 'boolean'
    | 'json'
    | 'code'
    | 'conditions'
    /** A JSON Schema, edited as fields (name, type, description, required) or as JSON text. */
    | 'schema'
    /** A list of named routes (`{ name, description }`), each an output of the node. */
    | 'routes';
  /** The field's label. Default: the key. */
  label?: string;
  /** Placeholder text. */
  placeholder?: string;
  /** For `select`: the choices (a combo box allows other values when `allowCustom`). */
  options?: readonly (string | { value: string; label: string })[];
  /** For `select`: also accept a typed-in value. Default false. */
  allowCustom?: boolean;
  /**
   * For `select`: the editor lists the providers the server configured (`GET /providers`)
   * instead of `options`, and flags a value the server does not have. Default: `options`.
   */
  optionsFrom?: 'providers';
  /** For `number`. */
  min?: number;
  /** For `number`. */
  max?: number;
  /** For `number`. */
  step?: number;
  /** One line of help under the field. */
  help?: string;
  /** Shown only when another field has one of these values, e.g. `{ mode: ['pick'] }`. */
  showWhen?: Record<string, readonly unknown[]>;
  /**
   * For `conditions`: each row also has a `name` (a Switch case, which names an output).
   * Rows are `{ left, operator, right }` (`ConditionSchema`). Default false.
   */
  named?: boolean;
  /** Tucked into an "advanced" section. Default false. */
  advanced?: boolean;
}

/** Host services handed to every node through `runWorkflow`'s `context`. */
export interface RunContext {
  /**
   * Loads a saved workflow version for Workflow and Map nodes, as the run's owner may see it:
   * a workflow of someone else must read as absent (throw `E_WORKFLOW_NOT_FOUND`). Without it
   * those nodes fail with `E_SUBWORKFLOWS_UNAVAILABLE`.
   */
  loadWorkflow?: WorkflowLoader;
  [key: string]: unknown;
}

/** Which saved workflow version a Workflow or Map node runs. */
export interface WorkflowRef {
  workflowId: string;
  version: number;
}

/** Loads a saved workflow version's graph (`{ nodes, edges, settings }`); see `RunContext.loadWorkflow`. */
export type WorkflowLoader = (ref: WorkflowRef & { signal?: AbortSignal }) => Promise<unknown>;

/**
 * What a node's `run` receives. An attempt ends the moment it times out or the run stops,
 * without waiting for `run` to return; from then on that attempt's `emit`, `log` and `setMeta`
 * calls are ignored, so an abandoned executor cannot write into a node that has moved on.
 */
export interface NodeRunArgs<I extends PortMap, D> {
  /** The node's id in the workflow. */
  nodeId: string;
  /** Input values, keyed by input port. */
  inputs: InputsOf<I>;
  /** The node's `data`, parsed by the type's schema (defaults applied). */
  data: D;
  /** Fires on cancellation, fail-fast abort or timeout. Hand it to every I/O call. */
  signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Streams a chunk of output (e.g. LLM tokens) as a `node:delta` event, while the attempt lasts. */
  emit: (delta: string) => void;
  /** Writes a line to the run's log, attributed to this node, while the attempt lasts. */
  log: (level: LogLevel, message: string, data?: JsonValue) => void;
  /**
   * Records facts about how this attempt got its result, e.g. which provider answered, in the
   * node's result (`NodeResult.meta`). Keys merge over earlier calls of the same attempt; each
   * attempt starts empty. Values must be plain JSON (`undefined` is dropped); anything else
   * throws `E_INVALID_OUTPUT`.
   */
  setMeta: (meta: NodeMeta) => void;
  /** Host services (providers, fetch, ...). */
  context: RunContext;
  /**
   * Reports how far a node that works through many items has got, as a `node:progress` event
   * (`done` of `total`), while the attempt lasts.
   */
  progress: (done: number, total: number) => void;
}

/** A node type: its ports, its settings schema, its editor metadata and what it does. */
export interface NodeDefinition<
  I extends PortMap = PortMap,
  O extends PortMap = PortMap,
  S extends z.ZodType = z.ZodType,
> {
  /** Unique key stored in `node.type`. */
  type: string;
  /** Name in the palette and the node header. */
  label: string;
  /** Palette group. */
  category: string;
  /** One line in the palette's tooltip. */
  description?: string;
  /** Input ports, or a function of the node's data. */
  inputs: PortsDef<z.output<S>, I>;
  /** Output ports, or a function of the node's data. */
  outputs: PortsDef<z.output<S>, O>;
  /** Schema of the node's own `data` (without the common keys `failureMode`, `retryPolicy`, `timeoutMs`, `label`). */
  data: S;
  /** Form fields for the editor, keyed like `data`. Keys not listed are not shown. */
  fields?: Record<string, FieldSpec>;
  /** Which output the editor previews on the node. Default: the first output. */
  previewOutput?: string;
  /**
   * Does the work. Throw `RetryableError` for failures worth retrying. (Method syntax on
   * purpose: it keeps a typed definition assignable to `AnyNodeDefinition`.)
   */
  run(args: NodeRunArgs<I, z.output<S>>): Promise<OutputsOf<O>> | OutputsOf<O>;
}

/** A node definition with its generics erased, as the registry stores it. */
export type AnyNodeDefinition = NodeDefinition<PortMap, PortMap, z.ZodType>;


/** The event of one type, e.g. `EventOf<'node:finish'>`. */
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** Listener map for the eventemitter3 emitter: `emitter.on('node:finish', (e) => ...)`. */
export type RunEventMap = { [T in RunEventType]: [event: EventOf<T>] };

/** What `RunOptions.beforeNodeStart` is told about the attempt about to start. */
export interface NodeAttemptInfo {
  runId: string;
  nodeId: string;
  nodeType: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Fires when the run stops or drains while the hook is pending: the attempt will not start. */
  signal: AbortSignal;
}

/**
 * Upper bounds on the run settings a workflow may ask for (`RunOptions.caps`). A workflow's
 * `settings` and a node's `data` may lower the host's retry policy and time limit, or raise
 * them up to these caps and no further, so a graph a client sent cannot make a server retry,
 * wait or run one node for hours. A value a workflow asks for above a cap is lowered to it,
 * with a `warn` line in the run's log (attributed to the node, for a node's `data`). The caps
 * bound the host's own `retry` and `nodeTimeoutMs` too, but their defaults never lie below
 * those, so a host that passes only `retry` or `nodeTimeoutMs` is never cut.
 */
export interface RunCaps {
  /**
   * Most attempts of one node, the first included (`retryPolicy.maxAttempts`). Default 10, or
   * the host's `retry.maxAttempts` when that is higher. `Infinity`: only the schema's bound (20).
   */
  maxAttempts: number;
  /**
   * Longest wait between two attempts, in ms (`retryPolicy.backoffMs` and `maxBackoffMs`, so
   * also the longest `Retry-After` a node waits out). Default 60,000, or the host's
   * `retry.maxBackoffMs` / `retry.backoffMs` when higher. `Infinity`: only the schema's bound (1 h).
   */
  maxBackoffMs: number;
  /**
   * Longest time limit of one attempt of one node, in ms (`settings.nodeTimeoutMs`,
   * `data.timeoutMs`). Default the host's `nodeTimeoutMs` (300,000 when unset), so a workflow
   * can shorten the limit but not lengthen it; when `nodeTimeoutMs` is 0 (no limit), `Infinity`:
   * only the schema's bound (24 h) applies to what a workflow asks.
   */
  nodeTimeoutMs: number;
  /**
   * Most items one Map node runs; a longer list fails the node with `E_MAP_TOO_MANY_ITEMS`
   * before any item runs. Default 1,000.
   */
  mapItems: number;
  /** Most items of one Map node running at once, whatever its `concurrency` asks. Default 16. */
  mapConcurrency: number;
  /**
   * Most levels of sub-workflows (Workflow and Map nodes running saved workflows) below a run;
   * a deeper call fails its node with `E_WORKFLOW_DEPTH`. Default 4.
   */
  workflowDepth: number;
}

/**
 * Options of `runWorkflow` and `startRun`. A numeric option the engine cannot use (NaN, a
 * negative time limit, a fractional count, ...) throws `RunOptionsError`
 * (`E_INVALID_RUN_OPTION`) before anything runs.
 */
export interface RunOptions {
  /** The node types. Required. */
  registry: import('./registry').NodeRegistry;
  /** Id of the run, carried by every event. Default: a random UUID. */
  runId?: string;
  /**
   * Most nodes running at once: a whole number of 1 or more, or `Infinity`. Default 8. This is
   * a cap: a workflow's `settings.concurrency` may lower it, never raise it (with no host
   * value, the workflow's value applies).
   */
  concurrency?: number;
  /**
   * What a failed node does to the rest. Default `fail_fast`. A workflow's
   * `settings.failureMode` wins over it, and a node's `data.failureMode` decides what that
   * node's own failure does: a failure mode only chooses between stopping early and finishing
   * the other branches, so it needs no cap.
   */
  failureMode?: import('./schema').FailureMode;
  /**
   * Retry policy for retryable errors. Default `{ maxAttempts: 3, backoffMs: 500, factor: 2, maxBackoffMs: 10000, jitter: true }`.
   * A workflow's `settings.retryPolicy`, then a node's `data.retryPolicy`, override it field by
   * field, held to `caps`. No wait between attempts is longer than `maxBackoffMs`: an error's
   * `retryAfterMs` hint (a `Retry-After` header) lengthens a wait up to it, and a longer hint
   * ends the node FAILED at once with a non-retryable error that says when to try again.
   */
  retry?: Partial<import('./schema').RetryPolicy>;
  /**
   * Time limit of one attempt of one node, in ms. Default 300,000 (5 minutes). `0` or
   * `Infinity`: no time limit (an attempt runs until it returns or the run stops); negative or
   * NaN throws `RunOptionsError`. A workflow's `settings.nodeTimeoutMs`, then a node's
   * `data.timeoutMs`, override it up to `caps.nodeTimeoutMs` (by default this value, so they
   * can only shorten it). It covers all the attempt does, a provider set's own retries and
   * waits included; the waits between the node's attempts are not counted (each is at most
   * `retry.maxBackoffMs` and ends at once on cancel), so a node ends within
   * `maxAttempts × nodeTimeoutMs + (maxAttempts − 1) × maxBackoffMs`.
   */
  nodeTimeoutMs?: number;
  /**
   * Longest stretch, in ms, the scheduler starts and finishes nodes without giving the event
   * loop a turn. Nodes that complete in microtasks (synchronous executors, a `beforeNodeStart`
   * on a synchronous store) would otherwise run a large graph in one turn, and a server would
   * answer no request or a page no input meanwhile. Default 10; `0` or `Infinity`: never yield.
   */
  sliceMs?: number;
  /**
   * Upper bounds on what a workflow's `settings` and its nodes' `data` may ask for. Default
   * `{ maxAttempts: 10, maxBackoffMs: 60_000, nodeTimeoutMs: <this run's nodeTimeoutMs> }`
   * (each never below the host's own `retry` / `nodeTimeoutMs`). See `RunCaps`.
   */
  caps?: Partial<RunCaps>;
  /** Cancels the run: in-flight nodes' signals fire, the rest end CANCELED. */
  signal?: AbortSignal;
  /**
   * Time limit of the whole run in ms, counted from its first start (a resumed run keeps its
   * start, see `resume`). When it passes, nodes in flight are aborted and end CANCELED, the
   * rest never start, and the run ends FAILED with `E_RUN_TIMEOUT`. Default none (`Infinity`).
   */
  runTimeoutMs?: number;
  /**
   * Asked before every attempt of every node, right before its executor would start: the place
   * for a host's own gate (a cancel requested through another process, per-user caps, a budget).
   * The attempt waits while the returned promise is pending; the node holds its concurrency
   * slot meanwhile, and its time limit starts only once the executor does. Throwing (or
   * rejecting) fails the attempt with that error, retried only when it is retryable: a
   * `GalaxyError` with a code the user can act on (`E_BUDGET_EXCEEDED`, ...). If the run is
   * stopped or drained while the hook is pending, the attempt never starts. `node:start` is
   * emitted only after the hook allowed the attempt. Default none.
   */
  beforeNodeStart?: (attempt: NodeAttemptInfo) => void | Promise<void>;
  /**
   * Goes on with a run from a snapshot (`RunHandle.drain()`'s, or one a store rebuilt after a
   * crash): nodes whose result there is final keep it and do not run again, nodes that are
   * absent or RUNNING there run. The run keeps the snapshot's `runId` (unless `runId` is given),
   * `startedAt` and logs, and emits `run:resume` instead of `run:start`; no event is repeated
   * for a kept node. Default none: a fresh run.
   */
  resume?: RunSnapshot;
  /** Called with every event, synchronously, in order. An error it throws goes to `onListenerError`; the run goes on. */
  onEvent?: (event: RunEvent) => void;
  /**
   * Told about an error thrown by `onEvent` or by a listener on `handle.events`, after the event
   * has reached every other listener. Such errors never reach the scheduler or the host's
   * process (an uncaught error would crash a Node server). Default: an `error` line in the run's
   * log for each of the first 10, then one saying further ones are not logged; errors on
   * `run:finish` come after the log is closed and are dropped. An error this function throws is ignored.
   */
  onListenerError?: (error: unknown, event: RunEvent) => void;
  /** Host services handed to every node (providers, fetch, `loadWorkflow`, ...). Default `{}`. */
  context?: RunContext;
  /**
   * Values of the workflow's Input nodes, keyed by their `name`. An Input node without one
   * uses its default. Default `{}`.
   */
  inputs?: Readonly<Record<string, unknown>>;
  /** Run only these nodes and their ancestors. Default: every node. */
  targetNodeIds?: readonly string[];
  /** An earlier run's node results: unchanged nodes (same hash) reuse their output. Target nodes always run. */
  reuse?: { nodes: Readonly<Record<string, NodeResult>> };
  /** Size limits for validation. Default `defaultLimits`. */
  limits?: Partial<import('./schema').WorkflowLimits>;
  /** Source of randomness for retry jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Clock in epoch ms, for timestamps. Default `Date.now`. */
  now?: () => number;
  /**
   * OpenTelemetry spans for the run, its node attempts and provider calls, through
   * `@opentelemetry/api`: recorded only when the host installs an SDK. Default: the active
   * span is the parent, prompts and answers are not recorded.
   */
  trace?: import('./tracing').RunTraceOptions;
}
