import { RunOptionsError } from './errors';
import { RunSnapshotSchema } from './model';
import type { RetryPolicyLayer } from './retry';
import type { RetryPolicy } from './schema';
import type { RunCaps, RunOptions } from './types';

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_NODE_TIMEOUT_MS = 300_000;

/**
 * The caps a run applies when the host names none (`RunOptions.caps`). The node time-limit cap
 * has no fixed default: it is the host's own `nodeTimeoutMs`.
 */
export const defaultRunCaps: Readonly<Omit<RunCaps, 'nodeTimeoutMs'>> = Object.freeze({
  maxAttempts: 10,
  maxBackoffMs: 60_000,
  mapItems: 1_000,
  mapConcurrency: 16,
  workflowDepth: 4,
});

const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && !Number.isNaN(value);

function check(ok: boolean, option: string, value: unknown, expected: string): void {
  if (!ok) throw new RunOptionsError(option, value, expected);
}

/**
 * Refuses host options the scheduler cannot use, before anything runs: left alone, a NaN
 * concurrency would start nothing and a negative time limit would time out every node at once.
 */
export function checkRunOptions(options: RunOptions): void {
  const { concurrency, nodeTimeoutMs, failureMode, retry, caps, runTimeoutMs, resume, beforeNodeStart } = options;
  if (runTimeoutMs !== undefined) {
    check(isNumber(runTimeoutMs) && runTimeoutMs > 0, 'runTimeoutMs', runTimeoutMs, 'a number of ms above 0, or Infinity for no limit');
  }
  if (options.sliceMs !== undefined) {
    check(isNumber(options.sliceMs) && options.sliceMs >= 0, 'sliceMs', options.sliceMs, 'a number of ms of 0 or more (0 or Infinity: never yield)');
  }
  if (beforeNodeStart !== undefined) check(typeof beforeNodeStart === 'function', 'beforeNodeStart', beforeNodeStart, 'a function');
  if (options.inputs !== undefined) {
    const { inputs } = options;
    check(inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs), 'inputs', inputs, "an object of the Input nodes' values by name");
  }
  if (resume !== undefined) {
    const parsed = RunSnapshotSchema.safeParse(resume);
    const issue = parsed.error?.issues[0];
    check(parsed.success, 'resume', `${issue?.message} at "${issue?.path.join('.')}"`, "a run snapshot: RunHandle.drain()'s, or one rebuilt from a store");
  }
  if (concurrency !== undefined) {
    check((isWhole(concurrency) && concurrency >= 1) || concurrency === Number.POSITIVE_INFINITY, 'concurrency', concurrency, 'a whole number of 1 or more, or Infinity for no limit');
  }
  if (nodeTimeoutMs !== undefined) {
    check(isNumber(nodeTimeoutMs) && nodeTimeoutMs >= 0, 'nodeTimeoutMs', nodeTimeoutMs, 'a number of ms of 0 or more (0 or Infinity: no time limit)');
  }
  if (failureMode !== undefined) {
    check(failureMode === 'fail_fast' || failureMode === 'fail_safe', 'failureMode', failureMode, '"fail_fast" or "fail_safe"');
  }
  if (retry) {
    const { maxAttempts, backoffMs, factor, maxBackoffMs, jitter } = retry;
    if (maxAttempts !== undefined) check(isWhole(maxAttempts) && maxAttempts >= 1, 'retry.maxAttempts', maxAttempts, 'a whole number of 1 or more');
    if (backoffMs !== undefined) check(Number.isFinite(backoffMs) && backoffMs >= 0, 'retry.backoffMs', backoffMs, 'a finite number of ms of 0 or more');
    if (factor !== undefined) check(Number.isFinite(factor) && factor >= 1, 'retry.factor', factor, 'a finite number of 1 or more');
    if (maxBackoffMs !== undefined) check(isNumber(maxBackoffMs) && maxBackoffMs >= 0, 'retry.maxBackoffMs', maxBackoffMs, 'a number of ms of 0 or more');
    if (jitter !== undefined) check(typeof jitter === 'boolean', 'retry.jitter', jitter, 'true or false');
  }
  if (caps) {
    const { maxAttempts, maxBackoffMs, nodeTimeoutMs: timeoutCap } = caps;
    if (maxAttempts !== undefined) {
      check((isWhole(maxAttempts) && maxAttempts >= 1) || maxAttempts === Number.POSITIVE_INFINITY, 'caps.maxAttempts', maxAttempts, 'a whole number of 1 or more, or Infinity for no cap');
    }
    if (maxBackoffMs !== undefined) check(isNumber(maxBackoffMs) && maxBackoffMs >= 0, 'caps.maxBackoffMs', maxBackoffMs, 'a number of ms of 0 or more, or Infinity for no cap');
    if (timeoutCap !== undefined) check(isNumber(timeoutCap) && timeoutCap > 0, 'caps.nodeTimeoutMs', timeoutCap, 'a number of ms above 0, or Infinity for no cap');
    for (const key of ['mapItems', 'mapConcurrency', 'workflowDepth'] as const) {
      const value = caps[key];
      if (value !== undefined) check(isWhole(value) && value >= (key === 'workflowDepth' ? 0 : 1), `caps.${key}`, value, key === 'workflowDepth' ? 'a whole number of 0 or more' : 'a whole number of 1 or more');
    }
  }
}

/** A time limit in ms with "none" spelled one way: `Infinity`. */
export function timeLimit(ms: number): number {
  return ms === 0 ? Number.POSITIVE_INFINITY : ms;
}

/**
 * The caps in force: the host's, else the defaults, never below the host's own `retry` and
 * `nodeTimeoutMs` (passing only those must not cut them).
 */
export function resolveCaps(options: RunOptions): RunCaps {
  const retry = options.retry ?? {};
  return {
    maxAttempts: options.caps?.maxAttempts ?? Math.max(defaultRunCaps.maxAttempts, retry.maxAttempts ?? 0),
    maxBackoffMs: options.caps?.maxBackoffMs ?? Math.max(defaultRunCaps.maxBackoffMs, retry.maxBackoffMs ?? 0, retry.backoffMs ?? 0),
    nodeTimeoutMs: options.caps?.nodeTimeoutMs ?? timeLimit(options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS),
    mapItems: options.caps?.mapItems ?? defaultRunCaps.mapItems,
    mapConcurrency: options.caps?.mapConcurrency ?? defaultRunCaps.mapConcurrency,
    workflowDepth: options.caps?.workflowDepth ?? defaultRunCaps.workflowDepth,
  };
}

/** One value a workflow asked for and the cap that lowered it. */
export interface Lowered {
  /** Where the workflow asked, e.g. `retryPolicy.maxAttempts`. */
  field: string;
  asked: number;
  cap: number;
}

/**
 * A workflow's or node's retry-policy overrides with every field held to the caps, and the
 * fields that had to be lowered.
 */
export function capRetryLayer(layer: RetryPolicyLayer | undefined, caps: RunCaps): { layer: RetryPolicyLayer | undefined; lowered: Lowered[] } {
  const lowered: Lowered[] = [];
  if (!layer) return { layer, lowered };
  const capped: RetryPolicyLayer = { ...layer };
  const hold = (key: 'maxAttempts' | 'backoffMs' | 'maxBackoffMs', cap: number): void => {
    const asked = layer[key];
    if (asked !== undefined && asked > cap) {
      capped[key] = cap;
      lowered.push({ field: `retryPolicy.${key}`, asked, cap });
    }
  };
  hold('maxAttempts', caps.maxAttempts);
  hold('backoffMs', caps.maxBackoffMs);
  hold('maxBackoffMs', caps.maxBackoffMs);
  return { layer: capped, lowered };
}

/** A resolved policy held to the caps: the hard bound, whatever layer a value came from. */
export function capPolicy(policy: RetryPolicy, caps: RunCaps): RetryPolicy {
  if (policy.maxAttempts <= caps.maxAttempts && policy.backoffMs <= caps.maxBackoffMs && policy.maxBackoffMs <= caps.maxBackoffMs) return policy;
  return {
    ...policy,
    maxAttempts: Math.min(policy.maxAttempts, caps.maxAttempts),
    backoffMs: Math.min(policy.backoffMs, caps.maxBackoffMs),
    maxBackoffMs: Math.min(policy.maxBackoffMs, caps.maxBackoffMs),
  };
}
