import { CanceledError } from './errors';
import { defaultRetryPolicy, type RetryPolicy } from './schema';

/** A policy with some fields set; absent or undefined fields fall through to the layer beneath. */
export type RetryPolicyLayer = { [K in keyof RetryPolicy]?: RetryPolicy[K] | undefined };

/** Fills a policy from the defaults, later layers winning. */
export function resolveRetryPolicy(...layers: (RetryPolicyLayer | undefined)[]): RetryPolicy {
  const policy: RetryPolicy = { ...defaultRetryPolicy };
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(layer) as (keyof RetryPolicy)[]) {
      const value = layer[key];
      if (value !== undefined) (policy as Record<keyof RetryPolicy, unknown>)[key] = value;
    }
  }
  return policy;
}

/**
 * The wait before attempt `attempt + 1`, after `attempt` failed (1-based):
 * `backoffMs * factor^(attempt-1)`, capped at `maxBackoffMs`; with jitter, a random
 * point between half and the whole of it ("equal jitter"), so retries of many
 * parallel nodes spread out but never come sooner than half the planned delay.
 */
export function computeBackoff(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** Math.max(0, attempt - 1));
  if (!policy.jitter) return Math.round(base);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Resolves after `ms`, or rejects with `CanceledError` as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CanceledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CanceledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
