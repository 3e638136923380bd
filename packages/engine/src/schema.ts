import * as z from 'zod';

/** Ids of nodes and edges: short, printable, and never an object-prototype key. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const IdSchema = z
  .string()
  .min(1, 'An id cannot be empty.')
  .max(128, 'An id is at most 128 characters.')
  .refine((id) => !FORBIDDEN_KEYS.has(id), { message: 'This id is reserved.' });

export const FailureModeSchema = z.enum(['fail_fast', 'fail_safe']);
export type FailureMode = z.infer<typeof FailureModeSchema>;

/**
 * The most a workflow document may ask for, whoever runs it. They only keep absurd values out
 * of stored documents: a run holds what a workflow asks to the host's `RunOptions.caps`, whose
 * defaults (10 attempts, 60 s waits, the host's own node time limit) lie well inside these.
 */
export const settingBounds = Object.freeze({
  /** Most attempts a retry policy may ask for. */
  maxAttempts: 20,
  /** Longest wait between attempts a retry policy may ask for, in ms (1 h). */
  maxBackoffMs: 3_600_000,
  /** Longest time limit of one node attempt a workflow or node may ask for, in ms (24 h). */
  nodeTimeoutMs: 86_400_000,
});

/** A retry policy. Only errors marked retryable are retried. */
export const RetryPolicySchema = z.object({
  /** Attempts in all, the first included. Default 3. */
  maxAttempts: z.number().int().min(1).max(settingBounds.maxAttempts),
  /** Wait before the second attempt, in ms. Default 500. */
  backoffMs: z.number().int().min(0).max(settingBounds.maxBackoffMs),
  /** Each later wait is the previous one times this. Default 2. */
  factor: z.number().min(1).max(10),
  /**
   * No wait is longer than this, in ms. Default 10,000. An error's `Retry-After` hint lengthens
   * a wait up to this cap; a longer hint makes the error final instead of parking the node.
   */
  maxBackoffMs: z.number().int().min(0).max(settingBounds.maxBackoffMs),
  /** Spread waits randomly between half and the full delay. Default true. */
  jitter: z.boolean(),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/**
 * Keys any node's `data` may carry, whatever its type. They are validated by this one
 * schema, and removed before the type's own `data` schema sees the rest.
 */
export const CommonNodeDataSchema = z.object({
  /** Overrides the run's failure mode when this node fails. */
  failureMode: FailureModeSchema.optional(),
  /** Overrides fields of the run's retry policy for this node, up to the host's `RunOptions.caps`. */
  retryPolicy: RetryPolicySchema.partial().optional(),
  /** Overrides the run's per-node timeout, in ms, up to the host's `caps.nodeTimeoutMs`. */
  timeoutMs: z.number().int().positive().max(settingBounds.nodeTimeoutMs).optional(),
  /** A display name the user gave the node. */
  label: z.string().max(200).optional(),
});
export type CommonNodeData = z.infer<typeof CommonNodeDataSchema>;
export const COMMON_DATA_KEYS: readonly string[] = Object.keys(CommonNodeDataSchema.shape);

export const PositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

/**
 * A node as stored and as drawn by @xyflow/react. Extra keys the editor keeps on a node
 * (`selected`, `measured`, ...) are accepted and dropped.
 */
export const WorkflowNodeSchema = z.object({
  id: IdSchema,
  type: z.string().min(1).max(128),
  data: z.record(z.string(), z.unknown()).default({}),
  position: PositionSchema.optional(),
});
export type WorkflowNode = z.infer<typeof WorkflowNodeSchema>;

/**
 * An edge from one node's output port to another node's input port. Handles are any short
 * string here; `validateWorkflow` matches them against the ports' own names only, so a handle
 * like `constructor` or `__proto__` is an unknown handle (`E_MISSING_HANDLE`), never a key of
 * Object.prototype.
 */
export const WorkflowEdgeSchema = z.object({
  id: IdSchema,
  source: IdSchema,
  /** The output port of `source`. */
  sourceHandle: z.string().min(1).max(128),
  target: IdSchema,
  /** The input port of `target`. */
  targetHandle: z.string().min(1).max(128),
});
export type WorkflowEdge = z.infer<typeof WorkflowEdgeSchema>;

/**
 * Run settings a workflow carries. They override the host's `runWorkflow` options within the
 * host's bounds: `concurrency` may only lower the host's, `retryPolicy` and `nodeTimeoutMs` are
 * held to `RunOptions.caps`; `failureMode` wins outright.
 */
export const WorkflowSettingsSchema = z.object({
  /** What a failed node does to the rest. */
  failureMode: FailureModeSchema.optional(),
  /** Overrides fields of the host's retry policy, up to `RunOptions.caps`. */
  retryPolicy: RetryPolicySchema.partial().optional(),
  /** Time limit of one node attempt, in ms, up to `caps.nodeTimeoutMs` (by default the host's own limit). */
  nodeTimeoutMs: z.number().int().positive().max(settingBounds.nodeTimeoutMs).optional(),
  /** Most nodes running at once; never more than the host's `concurrency`. */
  concurrency: z.number().int().min(1).max(256).optional(),
});
export type WorkflowSettings = z.infer<typeof WorkflowSettingsSchema>;

export const WorkflowSchema = z.object({
  nodes: z.array(WorkflowNodeSchema),
  edges: z.array(WorkflowEdgeSchema),
  settings: WorkflowSettingsSchema.optional(),
});
export type Workflow = z.infer<typeof WorkflowSchema>;
/** What a caller may hand in: `data` may be omitted on a node. */
export type WorkflowInput = z.input<typeof WorkflowSchema>;

/** Size limits checked by `validateWorkflow`. */
export interface WorkflowLimits {
  /** Most nodes in one workflow. Default 2,000. */
  maxNodes: number;
  /** Most edges in one workflow. Default 10,000. */
  maxEdges: number;
  /** Most bytes of the workflow serialized as JSON (UTF-8). Default 2 MiB. */
  maxBytes: number;
}

export const defaultLimits: Readonly<WorkflowLimits> = Object.freeze({
  maxNodes: 2_000,
  maxEdges: 10_000,
  maxBytes: 2 * 1024 * 1024,
});

export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  backoffMs: 500,
  factor: 2,
  maxBackoffMs: 10_000,
  jitter: true,
});
