import type { z } from 'zod';
import type { ErrorInfo } from './errors';

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

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

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
  kind: 'text' | 'textarea' | 'number' | 'select' | 'boolean' | 'json' | 'code';
  /** The field's label. Default: the key. */
  label?: string;
  /** Placeholder text. */
  placeholder?: string;
  /** For `select`: the choices (a combo box allows other values when `allowCustom`). */
  options?: readonly (string | { value: string; label: string })[];
  /** For `select`: also accept a typed-in value. Default false. */
  allowCustom?: boolean;
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
  /** Tucked into an "advanced" section. Default false. */
  advanced?: boolean;
}

/** Host services handed to every node through `runWorkflow`'s `context`. */
export interface RunContext {
  [key: string]: unknown;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log line of a run. */
export interface LogEntry {
  /** Epoch ms. */
  at: number;
  level: LogLevel;
  message: string;
  /** The node that logged it; absent for run-level lines. */
  nodeId?: string;
  /** Plain-JSON details. */
  data?: JsonValue;
}

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

export type NodeStatus = 'SUCCESS' | 'FAILED' | 'SKIPPED' | 'CANCELED';

/** A provider that failed before the one that answered, as `NodeMeta.fallbacks` lists it. */
export interface NodeMetaFallback {
  /** The provider's name, e.g. `gemini`. */
  provider: string;
  /** The model asked for. */
  model: string;
  /** Calls made to it, its own retries included. */
  attempts: number;
  /** Why it failed: the error's code, e.g. `E_PROVIDER_UNAVAILABLE`. */
  code: string;
  /** Why it failed, in words. */
  message: string;
}

/**
 * Facts a node reported about how it got its result (`NodeRunArgs.setMeta`), beyond its
 * outputs. Plain JSON. The named fields are the ones the built-in `llm` and `vision` nodes
 * record; a host's node may add its own keys.
 */
export interface NodeMeta {
  /** llm, vision: the provider that answered, after any fallbacks. */
  provider?: string;
  /** llm, vision: the model that answered. */
  model?: string;
  /** llm, vision: calls made to the provider that answered, its own retries included (not the node's attempts). */
  attempts?: number;
  /** llm, vision: token counts the provider reported; absent fields were not reported. */
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
  /** llm, vision: why the model stopped, in the provider's words (`STOP`, `length`, ...). */
  finishReason?: string;
  /** llm, vision: the providers that failed before the one that answered, in order; empty when the first answered. */
  fallbacks?: NodeMetaFallback[];
  /** A host node's own facts. */
  [key: string]: unknown;
}
export type RunStatus = 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'CANCELED';

/** How one node ended. */
export interface NodeResult {
  status: NodeStatus;
  /** Output values keyed by output port (SUCCESS only). */
  output?: Record<string, unknown>;
  /** The input values it ran with, keyed by input port (absent when it never ran). */
  input?: Record<string, unknown>;
  /** Why it failed, was skipped or canceled. */
  error?: ErrorInfo;
  /** Attempts made; 0 when it never ran (skipped, canceled before start, reused). */
  attempts: number;
  /** Epoch ms of the first attempt's start. */
  startedAt?: number;
  /** Epoch ms when it ended. */
  finishedAt?: number;
  /** Wall time from the first start to the end, retries and backoff included. */
  durationMs?: number;
  /** For SKIPPED: the id of the failed upstream node. */
  skippedBecause?: string;
  /** Output reused from an earlier run instead of running again. */
  reused?: boolean;
  /** Hash of the node's type, data and inputs; a later run reuses the output when it matches. */
  hash?: string;
  /** What the attempt that ended the node reported about itself (e.g. which provider answered), when it reported anything. */
  meta?: NodeMeta;
}

/** What `runWorkflow` resolves to. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** One entry per scheduled node. */
  nodes: Record<string, NodeResult>;
  logs: LogEntry[];
  /**
   * Why the run did not succeed; absent for SUCCESS. FAILED and PARTIAL: the first node
   * failure (with its `nodeId`), so a PARTIAL run's summary can say what went wrong without
   * scanning `nodes`. CANCELED: the cancel reason (`E_CANCELED`).
   */
  error?: ErrorInfo;
}

/** Every event of a run. One shape feeds `onEvent`, the emitter, SSE and the editor: plain JSON. */
export type RunEvent =
  /** The run began; `nodeIds` lists the nodes it will schedule, in start order for ties. */
  | { type: 'run:start'; runId: string; at: number; nodeIds: string[] }
  /** A node began an attempt. */
  | { type: 'node:start'; runId: string; at: number; nodeId: string; nodeType: string; attempt: number }
  /** A node streamed a chunk of output (e.g. LLM tokens). */
  | { type: 'node:delta'; runId: string; at: number; nodeId: string; delta: string }
  /** A node failed with a retryable error and will try again after `delayMs`. */
  | {
      type: 'node:retry';
      runId: string;
      at: number;
      nodeId: string;
      attempt: number;
      delayMs: number;
      error: ErrorInfo;
    }
  /** A node reached its terminal state. */
  | { type: 'node:finish'; runId: string; at: number; nodeId: string; result: NodeResult }
  /** A log line was written. */
  | { type: 'log'; runId: string; at: number; entry: LogEntry }
  /** The run ended; `error` is `RunResult.error` (absent for SUCCESS). */
  | {
      type: 'run:finish';
      runId: string;
      at: number;
      status: RunStatus;
      durationMs: number;
      error?: ErrorInfo;
    };

export type RunEventType = RunEvent['type'];
/** The event of one type, e.g. `EventOf<'node:finish'>`. */
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** Listener map for the eventemitter3 emitter: `emitter.on('node:finish', (e) => ...)`. */
export type RunEventMap = { [T in RunEventType]: [event: EventOf<T>] };

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
   * Upper bounds on what a workflow's `settings` and its nodes' `data` may ask for. Default
   * `{ maxAttempts: 10, maxBackoffMs: 60_000, nodeTimeoutMs: <this run's nodeTimeoutMs> }`
   * (each never below the host's own `retry` / `nodeTimeoutMs`). See `RunCaps`.
   */
  caps?: Partial<RunCaps>;
  /** Cancels the run: in-flight nodes' signals fire, the rest end CANCELED. */
  signal?: AbortSignal;
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
  /** Host services handed to every node (providers, fetch, ...). Default `{}`. */
  context?: RunContext;
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
}
