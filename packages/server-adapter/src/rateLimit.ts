import { hostError } from './errors';

/** One bucket's allowance. */
export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in ms: the bucket refills `limit` tokens evenly over it. */
  windowMs: number;
}

/** What a limiter decided for one request. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The rule's limit, for `RateLimit-Limit`. */
  limit: number;
  /** Requests left right now, for `RateLimit-Remaining`. */
  remaining: number;
  /** Seconds until the bucket is full again, for `RateLimit-Reset`. */
  resetSeconds: number;
  /** When refused: seconds until one request is allowed, for `Retry-After`. */
  retryAfterSeconds: number;
  /** The window in seconds, for `RateLimit-Policy`. */
  windowSeconds: number;
}

/**
 * Decides whether a user may make a request to a route. `route` is the route's pattern,
 * e.g. `POST /execute`, so limiters can give expensive routes their own allowance.
 */
export interface RateLimiter {
  /** Decides one request. Throws when it cannot decide (its store is down): the router answers 503. */
  consume(key: string, route: string): Promise<RateLimitDecision> | RateLimitDecision;
  /** Throws while the limiter cannot decide, for `GET /ready`. Optional: without it, it counts as ready. */
  checkReady?(): Promise<void>;
}

/** The in-memory limiter decides synchronously. */
export interface MemoryRateLimiter extends RateLimiter {
  consume(key: string, route: string): RateLimitDecision;
}

export interface MemoryRateLimiterOptions {
  /** Allowance per user across routes without their own rule. Default 100 per 60,000 ms. */
  default?: RateLimitRule;
  /** Routes with their own bucket, by pattern (`'POST /execute'`). Default none. */
  routes?: Readonly<Record<string, RateLimitRule>>;
  /** Most buckets kept; full (idle) buckets are dropped first. Default 100,000. */
  maxBuckets?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token bucket per user (and per route with its own rule), in this process's memory. Bursts
 * up to the limit, then a steady refill. Use a shared store (e.g. Redis) across instances.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const now = options.now ?? Date.now;
  const fallback = options.default ?? { limit: 100, windowMs: 60_000 };
  const routes = options.routes ?? {};
  const maxBuckets = options.maxBuckets ?? 100_000;
  checkRules('createMemoryRateLimiter', fallback, routes);
  const buckets = new Map<string, Bucket>();

  function prune(at: number): void {
    for (const [key, bucket] of buckets) {
      const rule = routes[key.slice(0, key.indexOf('\u0000'))] ?? fallback;
      if (bucket.tokens + ((at - bucket.updatedAt) * rule.limit) / rule.windowMs >= rule.limit) {
        buckets.delete(key);
      }
    }
    // Still over the cap: every bucket is in use; drop the oldest rather than grow forever.
    for (const key of buckets.keys()) {
      if (buckets.size < maxBuckets) break;
      buckets.delete(key);
    }
  }

  return {
    consume(key, route) {
      const rule = routes[route];
      const bucketKey = `${rule ? route : ''}\u0000${key}`;
      const { limit, windowMs } = rule ?? fallback;
      const at = now();
      let bucket = buckets.get(bucketKey);
      if (!bucket) {
        if (buckets.size >= maxBuckets) prune(at);
        bucket = { tokens: limit, updatedAt: at };
        buckets.set(bucketKey, bucket);
      }
      const perMs = limit / windowMs;
      bucket.tokens = Math.min(limit, bucket.tokens + (at - bucket.updatedAt) * perMs);
      bucket.updatedAt = at;
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      return bucketDecision({ limit, windowMs }, bucket.tokens, allowed);
    },
  };
}

/**
 * Throws E_INVALID_OPTION for a rule a token bucket cannot use, naming it. Shared by the
 * limiters on other stores, so each refuses the same configuration with the same words.
 */
export function checkRules(
  factory: string,
  fallback: RateLimitRule,
  routes: Readonly<Record<string, RateLimitRule>>,
): void {
  for (const [name, rule] of [['default', fallback] as const, ...Object.entries(routes)]) {
    if (!(rule.limit >= 1 && rule.windowMs >= 1)) {
      const option = name === 'default' ? 'default' : `routes["${name}"]`;
      throw hostError(
        'E_INVALID_OPTION',
        `${factory}: limit and windowMs must be at least 1; ${option} has limit ${rule.limit} and windowMs ${rule.windowMs}.`,
        { option, limit: rule.limit, windowMs: rule.windowMs },
      );
    }
  }
}

/**
 * The decision for a token bucket left with `tokens` after this request (already taken when
 * `allowed`). One formula for every limiter, so their headers agree to the second.
 */
export function bucketDecision(
  rule: RateLimitRule,
  tokens: number,
  allowed: boolean,
): RateLimitDecision {
  const { limit, windowMs } = rule;
  const perMs = limit / windowMs;
  return {
    allowed,
    limit,
    remaining: Math.floor(tokens),
    resetSeconds: Math.ceil((limit - tokens) / perMs / 1000),
    retryAfterSeconds: allowed ? 0 : waitSeconds(rule, tokens),
    windowSeconds: Math.ceil(windowMs / 1000),
  };
}

/** Seconds until a bucket holding `tokens` (less than one) has a whole token again. */
export function waitSeconds(rule: RateLimitRule, tokens: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / (rule.limit / rule.windowMs) / 1000));
}

/**
 * Throttles clients whose requests fail authentication, by client address. It is asked
 * before credentials are checked, so a client over its allowance learns nothing more about
 * the tokens it tries. A multi-instance host plugs in a shared one (e.g. Redis).
 */
export interface AuthFailureLimiter {
  /** Seconds until the client may try again, or 0 when it may try now. */
  check(clientKey: string): Promise<number> | number;
  /** Counts one failed attempt of the client. */
  fail(clientKey: string): Promise<void> | void;
  /** Throws while the limiter cannot decide, for `GET /ready`. Optional: without it, it counts as ready. */
  checkReady?(): Promise<void>;
}

export interface MemoryAuthFailureLimiterOptions {
  /** Failed attempts allowed per client address and window. Default 20. */
  limit?: number;
  /** Window length in ms: the allowance refills evenly over it. Default 60,000. */
  windowMs?: number;
  /** Most addresses remembered; the oldest are forgotten first. Default 100,000. */
  maxClients?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * A token bucket of failed attempts per client address, in this process's memory: a burst
 * of `limit` failures, then one per `windowMs / limit`. Requests that authenticate cost nothing.
 */
export function createMemoryAuthFailureLimiter(
  options: MemoryAuthFailureLimiterOptions = {},
): AuthFailureLimiter {
  const now = options.now ?? Date.now;
  const limit = options.limit ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const maxClients = options.maxClients ?? 100_000;
  if (!(limit >= 1 && windowMs >= 1 && maxClients >= 1)) {
    throw hostError(
      'E_INVALID_OPTION',
      `createMemoryAuthFailureLimiter: limit, windowMs and maxClients must be at least 1; got limit ${limit}, windowMs ${windowMs} and maxClients ${maxClients}.`,
      { limit, windowMs, maxClients },
    );
  }
  const perMs = limit / windowMs;
  const buckets = new Map<string, Bucket>();

  function tokensOf(key: string, at: number): number {
    const bucket = buckets.get(key);
    if (!bucket) return limit;
    const tokens = Math.min(limit, bucket.tokens + (at - bucket.updatedAt) * perMs);
    if (tokens >= limit) buckets.delete(key);
    return tokens;
  }

  return {
    check(clientKey) {
      const tokens = tokensOf(clientKey, now());
      return tokens >= 1 ? 0 : waitSeconds({ limit, windowMs }, tokens);
    },
    fail(clientKey) {
      const at = now();
      const tokens = tokensOf(clientKey, at);
      buckets.delete(clientKey);
      // Map order is insertion order: re-inserting keeps the most recent failures last.
      if (buckets.size >= maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      buckets.set(clientKey, { tokens: Math.max(0, tokens - 1), updatedAt: at });
    },
  };
}
