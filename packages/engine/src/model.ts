import * as z from 'zod';

/**
 * The run model: what a run is, how its nodes end, what it logs and which events it emits.
 * Written once, zod first; every package derives its types from these schemas (the store's
 * records, the API's bodies and OpenAPI document, the client, the editor), so a name means
 * one shape everywhere.
 *
 * Timestamps are epoch milliseconds (`number`) in memory and on the wire. A store that keeps
 * another form converts at its own edge, in one place.
 */

/** Epoch milliseconds. */
export const EpochMsSchema = z.number().int().describe('Epoch milliseconds');

/**
 * Where a run stands. QUEUED: waiting for a worker (new, or handed back by `drain()` to be
 * resumed); RUNNING: a worker is executing it; the other four are final.
 */
export const RunStatusSchema = z.enum([
  'QUEUED',
  'RUNNING',
  'SUCCESS',
  'PARTIAL',
  'FAILED',
  'CANCELED',
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;
/** Every run status, in lifecycle order. */
export const runStatuses = RunStatusSchema.options;

/** How a run ended: every node succeeded, some failed beside successes (fail_safe), it failed, or it was canceled. */
export const FinalRunStatusSchema = RunStatusSchema.extract([
  'SUCCESS',
  'PARTIAL',
  'FAILED',
  'CANCELED',
]);
export type FinalRunStatus = z.infer<typeof FinalRunStatusSchema>;
/** The final run statuses. */
export const finalRunStatuses = FinalRunStatusSchema.options;

/** Whether a run status is final: the run will never change again. */
export function isFinalRunStatus(status: RunStatus): status is FinalRunStatus {
  return status !== 'QUEUED' && status !== 'RUNNING';
}

/**
 * Where a node stands in a run. RUNNING: an attempt started and has not ended (a stored run
 * shows it; `runWorkflow`'s result never does); the other four are final, and every node of a
 * finished run ends in exactly one of them.
 */
export const NodeStatusSchema = z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED']);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;
export const FinalNodeStatusSchema = NodeStatusSchema.exclude(['RUNNING']);
export type FinalNodeStatus = z.infer<typeof FinalNodeStatusSchema>;

export const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

/** A plain JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodType<JsonValue> = z.json();

/** The plain-JSON form of an error, as it appears in results, events and the API. */
export const ErrorInfoSchema = z.object({
  /** Stable machine-readable code, e.g. `E_TIMEOUT`: one of the engine's `errorMessages`, or a host's own. */
  code: z.string(),
  /** What went wrong, in words a user can act on. */
  message: z.string(),
  /**
   * Whether the scheduler may retry it (rate limits, 5xx, timeouts). False once retrying is
   * over: the provider set's final error after its own retries, or a `Retry-After` longer than
   * the retry policy waits.
   */
  retryable: z.boolean(),
  /** The node the error concerns, when there is one. */
  nodeId: z.string().optional(),
  /** Extra facts for an error detail view (HTTP status, provider name, ...). Plain JSON. */
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A provider that failed before the one that answered, as `NodeMeta.fallbacks` lists it. */
export const NodeMetaFallbackSchema = z.object({
  /** The provider's name, e.g. `gemini`. */
  provider: z.string(),
  /** The model asked for. */
  model: z.string(),
  /** Calls made to it, its own retries included. */
  attempts: z.number().int(),
  /** Why it failed: the error's code, e.g. `E_PROVIDER_UNAVAILABLE`. */
  code: z.string(),
  /** Why it failed, in words. */
  message: z.string(),
});
export type NodeMetaFallback = z.infer<typeof NodeMetaFallbackSchema>;

/**
 * Facts a node reported about how it got its result (`NodeRunArgs.setMeta`), beyond its
 * outputs. Plain JSON. The named fields are the ones the built-in `llm` and `vision` nodes
 * record; a host's node may add its own keys.
 */
export const NodeMetaSchema = z.looseObject({
  /** llm, vision: the provider that answered, after any fallbacks. */
  provider: z.string().optional(),
  /** llm, vision: the model that answered. */
  model: z.string().optional(),
  /** llm, vision: calls made to the provider that answered, its own retries included (not the node's attempts). */
  attempts: z.number().int().optional(),
  /**
   * llm, vision, image-gen: the call's token counts, as the provider reported them; when it
   * reported none, estimates (four characters a token) with `estimated: true`.
   */
  usage: z
    .object({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      totalTokens: z.number().optional(),
      /** The counts are estimates: the provider reported none. */
      estimated: z.boolean().optional(),
    })
    .optional(),
  /** llm, vision, image-gen: what the call cost in USD at the run's price table; absent when the model is not priced. */
  costUsd: z.number().optional(),
  /** llm, vision: why the model stopped, in the provider's words (`STOP`, `length`, ...). */
  finishReason: z.string().optional(),
  /** llm, vision: the providers that failed before the one that answered, in order; empty when the first answered. */
  fallbacks: z.array(NodeMetaFallbackSchema).optional(),
  /** llm (structured output), llm-router: repair requests made after an answer missed its schema (0 or 1); usage counts both calls. */
  repairs: z.number().int().optional(),
  /** llm-router: the route the model chose. */
  route: z.string().optional(),
  /** llm-router: the model's reason for choosing it. */
  reason: z.string().optional(),
  /**
   * A CANCELED node that had streamed text: what it streamed before the run stopped it (at most
   * 200,000 characters), a partial answer rather than an output.
   */
  partialText: z.string().optional(),
});
export type NodeMeta = z.infer<typeof NodeMetaSchema>;

/** How one node of a run stands, or ended. */
export const NodeResultSchema = z.object({
  status: NodeStatusSchema,
  /** Output values keyed by output port (SUCCESS only). */
  output: z.record(z.string(), z.unknown()).optional(),
  /** The input values it ran with, keyed by input port (absent when it never ran). */
  input: z.record(z.string(), z.unknown()).optional(),
  /** Why it failed, was skipped or canceled. */
  error: ErrorInfoSchema.optional(),
  /** Attempts made; 0 when it never ran (skipped, canceled before start, reused). */
  attempts: z.number().int().min(0),
  /** When the first attempt started. */
  startedAt: EpochMsSchema.optional(),
  /** When it ended. */
  finishedAt: EpochMsSchema.optional(),
  /** Wall time from the first start to the end, retries and backoff included. */
  durationMs: z.number().min(0).optional(),
  /**
   * For SKIPPED: the node that decided it. `E_UPSTREAM_FAILED`: the failed upstream node.
   * `E_BRANCH_NOT_TAKEN`: the branching node whose output was left unset (the first one on the
   * untaken path, so a skip several nodes down still names the If or Switch that chose).
   */
  skippedBecause: z.string().optional(),
  /** Output reused from an earlier run instead of running again. */
  reused: z.boolean().optional(),
  /** Hash of the node's type, data and inputs; a later run reuses the output when it matches. */
  hash: z.string().optional(),
  /** What the attempt that ended the node reported about itself (e.g. which provider answered), when it reported anything. */
  meta: NodeMetaSchema.optional(),
});
export type NodeResult = z.infer<typeof NodeResultSchema>;

/** One log line of a run. */
export const LogEntrySchema = z.object({
  at: EpochMsSchema,
  level: LogLevelSchema,
  message: z.string(),
  /** The node that logged it; absent for run-level lines. */
  nodeId: z.string().optional(),
  /** Plain-JSON details. */
  data: JsonValueSchema.optional(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

const eventBase = { runId: z.string(), at: EpochMsSchema };

const NodeStartEventSchema = z.object({
  type: z.literal('node:start'),
  ...eventBase,
  nodeId: z.string(),
  nodeType: z.string(),
  attempt: z.number().int().min(1),
});
const NodeDeltaEventSchema = z.object({ type: z.literal('node:delta'), ...eventBase, nodeId: z.string(), delta: z.string() });
const NodeRetryEventSchema = z.object({
  type: z.literal('node:retry'),
  ...eventBase,
  nodeId: z.string(),
  attempt: z.number().int().min(1),
  delayMs: z.number().min(0),
  error: ErrorInfoSchema,
});
const NodeProgressEventSchema = z.object({
  type: z.literal('node:progress'),
  ...eventBase,
  nodeId: z.string(),
  /** Items finished so far, failed ones included. */
  done: z.number().int().min(0),
  /** Items in all. */
  total: z.number().int().min(0),
});
const NodeFinishEventSchema = z.object({
  type: z.literal('node:finish'),
  ...eventBase,
  nodeId: z.string(),
  result: NodeResultSchema.extend({ status: FinalNodeStatusSchema }),
});

/**
 * A node will not run and ends SKIPPED (its `node:finish` follows). `code` is the reason:
 * `E_BRANCH_NOT_TAKEN` (an input it needs came from an output left unset: a branch not
 * taken; not a failure) or `E_UPSTREAM_FAILED` (fail_safe, after an upstream failure).
 * `skippedBecause` is the node that decided it, as in the result.
 */
export const NodeSkipEventSchema = z.object({
  type: z.literal('node:skip'),
  ...eventBase,
  nodeId: z.string(),
  code: z.string(),
  skippedBecause: z.string().optional(),
});

/** The node events of a child run, as `node:child` carries them; `runId` is the child run's. */
export const ChildNodeEventSchema = z.discriminatedUnion('type', [
  NodeStartEventSchema,
  NodeDeltaEventSchema,
  NodeRetryEventSchema,
  NodeSkipEventSchema,
  NodeProgressEventSchema,
  NodeFinishEventSchema,
]);
export type ChildNodeEvent = z.infer<typeof ChildNodeEventSchema>;

/**
 * Every event of a run. One shape feeds `onEvent`, the emitter, the store, Server-Sent Events
 * and the editor: plain JSON. A run emits `run:start` (or `run:resume` when it continues from a
 * snapshot), node events, and `run:finish` last, unless it was drained: then its events stop
 * and the run that resumes it goes on with `run:resume`.
 */
export const RunEventSchema = z.discriminatedUnion('type', [
  /** The run began; `nodeIds` lists the nodes it will schedule, in start order for ties. */
  z.object({ type: z.literal('run:start'), ...eventBase, nodeIds: z.array(z.string()) }),
  /**
   * The run went on from a snapshot (`RunOptions.resume`): after a drain, a deploy or a crash.
   * `nodeIds` lists every node it schedules, as `run:start` did; `keptNodeIds` those whose
   * results carried over and will not run again.
   */
  z.object({
    type: z.literal('run:resume'),
    ...eventBase,
    nodeIds: z.array(z.string()),
    keptNodeIds: z.array(z.string()),
  }),
  /** A node began an attempt: its executor is running. */
  NodeStartEventSchema,
  /** A node streamed a chunk of output (e.g. LLM tokens). */
  NodeDeltaEventSchema,
  /** A node failed with a retryable error and will try again after `delayMs`. */
  NodeRetryEventSchema,
  /** A node will not run and ends SKIPPED, with its reason (see `NodeSkipEventSchema`). */
  NodeSkipEventSchema,
  /** A node that works through many items (a Map) finished `done` of its `total`. */
  NodeProgressEventSchema,
  /** A node reached its final state. */
  NodeFinishEventSchema,
  /**
   * A node of a child run (a Workflow node's sub-workflow) did something: `event` is the child
   * run's own node event, `path` the ids of the nodes it sits under, from this run's `nodeId`
   * down (one id per level of nesting). Node events of this run never carry child node ids.
   */
  z.object({
    type: z.literal('node:child'),
    ...eventBase,
    /** The node of this run the child run belongs to (`path[0]`). */
    nodeId: z.string(),
    /** Node ids from this run's node down to the child run's parent node. */
    path: z.array(z.string()).min(1),
    event: ChildNodeEventSchema,
  }),
  /** A log line was written. */
  z.object({ type: z.literal('log'), ...eventBase, entry: LogEntrySchema }),
  /** The run ended; `error` is the run's error (absent for SUCCESS). `durationMs` counts from the first start, resumes included. */
  z.object({
    type: z.literal('run:finish'),
    ...eventBase,
    status: FinalRunStatusSchema,
    durationMs: z.number().min(0),
    error: ErrorInfoSchema.optional(),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];
/** Every run event type. */
export const runEventTypes = RunEventSchema.options.map(
  (option) => option.shape.type.value,
) as readonly RunEventType[];

/** A provider and model that answered at least one call of a run. */
export const RunModelSchema = z.object({ provider: z.string(), model: z.string() });

/**
 * What a run's model calls used, summed over its nodes' results (`NodeMeta.usage` and
 * `costUsd`): results reused from an earlier run are not counted, they made no call.
 */
export const RunUsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  /** USD at the price table the run used; calls to models it does not price count nothing. */
  costUsd: z.number().min(0),
  /** Node results that made a counted call. */
  calls: z.number().int().min(0),
  /** True when some count is an estimate (a provider reported none). */
  estimated: z.boolean(),
  /** Who answered, each once, in the order first seen. */
  models: z.array(RunModelSchema),
});
export type RunUsage = z.infer<typeof RunUsageSchema>;

/**
 * A run as it stands: what `RunHandle.drain()` resolves to (status QUEUED, to be resumed
 * through `RunOptions.resume`), and what a finished run resolves to (a final status, with
 * `finishedAt` and `durationMs`). A store can rebuild one from its records to resume a run
 * whose worker died: nodes not in a final status run again.
 */
export const RunSnapshotSchema = z.object({
  runId: z.string(),
  /** The saved workflow it runs, when it runs one (absent for an unsaved graph). */
  workflowId: z.string().optional(),
  status: RunStatusSchema,
  /** When it was queued, when a store keeps it. */
  createdAt: EpochMsSchema.optional(),
  /** When the run first started; a resumed run keeps it. A QUEUED run that never started has none. */
  startedAt: EpochMsSchema.optional(),
  /** When it ended (final statuses only). */
  finishedAt: EpochMsSchema.optional(),
  /** From the first start to the end, resumes included (final statuses only). */
  durationMs: z.number().min(0).optional(),
  /** One entry per node that started or ended, keyed by node id. */
  nodes: z.record(z.string(), NodeResultSchema),
  logs: z.array(LogEntrySchema),
  /**
   * What its model calls used (`sumRunUsage` of `nodes`), when the one reporting the run
   * summed it: a server's run records carry it once the run ends. Absent otherwise.
   */
  usage: RunUsageSchema.optional(),
  /**
   * Why the run did not succeed; absent for SUCCESS. FAILED and PARTIAL: the first node
   * failure (with its `nodeId`), so a PARTIAL run's summary can say what went wrong without
   * scanning `nodes`. CANCELED: the cancel reason (`E_CANCELED`).
   */
  error: ErrorInfoSchema.optional(),
});
export type RunSnapshot = z.infer<typeof RunSnapshotSchema>;

/** A finished run: what `runWorkflow` resolves to. Every scheduled node has a final result. */
export type RunResult = RunSnapshot & {
  status: FinalRunStatus;
  finishedAt: number;
  durationMs: number;
};

/** A run without its node results and logs: one row of a run history. */
export const RunSummarySchema = RunSnapshotSchema.omit({ nodes: true, logs: true });
export type RunSummary = z.infer<typeof RunSummarySchema>;
