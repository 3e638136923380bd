/** `closed`: calls flow. `open`: calls fail at once. `half-open`: one trial call decides. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before a trial call, in ms. Default 30,000. */
  cooldownMs?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Outcome of asking the breaker for a call. */
export type CircuitPermit =
  /** Go ahead; report the outcome with `success()` / `failure()` / `release()`. */
  | { allowed: true }
  /** The circuit is open (or a trial is already running); try again after `retryAfterMs`. */
  | { allowed: false; retryAfterMs: number };

/**
 * A consecutive-failure circuit breaker. After `failureThreshold` failures in a row it
 * opens, so calls to a dead provider fail fast; after `cooldownMs` it lets one trial call
 * through (half-open), which closes it on success or reopens it on failure.
 */
export interface CircuitBreaker {
  readonly state: CircuitState;
  /** Asks to make a call. */
  acquire(): CircuitPermit;
  /** The call succeeded (or failed in a way that proves the provider is up). */
  success(): void;
  /** The call failed in a way that counts against the provider (5xx, network, timeout; never a 429, which is a rate signal). */
  failure(): void;
  /** The call ended without telling anything (canceled by the user). */
  release(): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let trialInFlight = false;

  return {
    get state() {
      if (state === 'open' && now() - openedAt >= cooldownMs) return 'half-open';
      return state;
    },
    acquire() {
      if (state === 'open') {
        const waited = now() - openedAt;
        if (waited < cooldownMs) return { allowed: false, retryAfterMs: cooldownMs - waited };
        state = 'half-open';
      }
      if (state === 'half-open') {
        // One trial at a time: the rest fail fast until it reports back.
        if (trialInFlight) return { allowed: false, retryAfterMs: Math.min(cooldownMs, 1_000) };
        trialInFlight = true;
      }
      return { allowed: true };
    },
    success() {
      trialInFlight = false;
      failures = 0;
      state = 'closed';
    },
    failure() {
      trialInFlight = false;
      failures++;
      if (state === 'half-open' || failures >= threshold) {
        state = 'open';
        openedAt = now();
      }
    },
    release() {
      trialInFlight = false;
    },
  };
}
