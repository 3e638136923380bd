/** `closed`: calls flow. `open`: calls fail at once. `half-open`: one trial call decides. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** A change of one breaker, as other processes follow it. */
export type CircuitChange =
  /** The breaker opened: calls fail fast for `retryAfterMs`, then one trial call decides. */
  | { state: 'open'; retryAfterMs: number }
  /** A trial call succeeded: calls flow again. */
  | { state: 'closed' };

/**
 * Shares breaker changes between processes, so a provider that keeps failing on one server
 * is paused on every server. The engine holds no connection: a host plugs in a shared one
 * (the server adapter's Redis one) through `createProviderSet({ circuitSync })`. Without
 * one, each process keeps its own breakers.
 */
export interface CircuitSync {
  /** Tells the other processes that this process's breaker `name` changed. Must not throw. */
  publish(name: string, change: CircuitChange): void;
  /**
   * Hears the changes other processes publish for the breakers in `names`, and the
   * breakers among them that are open right now. Returns the function that stops listening.
   */
  subscribe(
    names: readonly string[],
    listener: (name: string, change: CircuitChange) => void,
  ): () => void;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before a trial call, in ms. Default 30,000. */
  cooldownMs?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Hears this breaker open or close (not what it `follow`s), e.g. to publish it. Default none. */
  onChange?: (change: CircuitChange) => void;
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
  /** Takes on a change another process made to its breaker of the same provider; not reported to `onChange`. */
  follow(change: CircuitChange): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;
  const onChange = options.onChange;
  let state: CircuitState = 'closed';
  let failures = 0;
  // When an open circuit lets its trial call through: `cooldownMs` after it opened here, or
  // what another process said was left of its cool-down.
  let openUntil = 0;
  let trialInFlight = false;

  return {
    get state() {
      if (state === 'open' && now() >= openUntil) return 'half-open';
      return state;
    },
    acquire() {
      if (state === 'open') {
        const left = openUntil - now();
        if (left > 0) return { allowed: false, retryAfterMs: left };
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
      if (state === 'closed') return;
      state = 'closed';
      onChange?.({ state: 'closed' });
    },
    failure() {
      trialInFlight = false;
      failures++;
      if (state === 'half-open' || failures >= threshold) {
        state = 'open';
        openUntil = now() + cooldownMs;
        onChange?.({ state: 'open', retryAfterMs: cooldownMs });
      }
    },
    release() {
      trialInFlight = false;
    },
    follow(change) {
      failures = 0;
      if (change.state === 'closed') {
        state = 'closed';
        return;
      }
      state = 'open';
      openUntil = now() + Math.max(0, change.retryAfterMs);
    },
  };
}
