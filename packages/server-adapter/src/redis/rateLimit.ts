import { hostError } from '../errors';
import {
  type AuthFailureLimiter,
  bucketDecision,
  checkRules,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
  waitSeconds,
} from '../rateLimit';
import { openRedisLink, type RedisConnectionOptions, redisCall, redisScript } from './connection';

/**
 * One token bucket, atomically: refills it for the time since it was last touched, then
 * `take`s a token when there is a whole one, `fail`s one (never below zero), or only `peek`s.
 * The same arithmetic as the in-memory limiters, so both decide alike. A bucket is a hash
 * that expires when it would be full again, so idle users cost nothing. The clock is the
 * Redis server's (one clock for every instance) unless the caller passes one.
 *
 * KEYS[1] bucket; ARGV limit, windowMs, now in ms ('' for the server's), mode.
 * Returns { 1 when a token was taken, the tokens left as a string }.
 */
const BUCKET_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local mode = ARGV[4]
local perMs = limit / window
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = limit
local at = now
if saved[1] then
  tokens = tonumber(saved[1])
  at = tonumber(saved[2])
  if now > at then
    tokens = math.min(limit, tokens + (now - at) * perMs)
    at = now
  end
end
local taken = 0
if mode == 'take' then
  if tokens >= 1 then
    tokens = tokens - 1
    taken = 1
  end
elseif mode == 'fail' then
  tokens = math.max(0, tokens - 1)
end
if mode ~= 'peek' then
  if tokens >= limit then
    redis.call('DEL', KEYS[1])
  else
    redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
    redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) / perMs) + 1000)
  end
end
return { taken, string.format('%.17g', tokens) }
`;

const bucketScript = redisScript(BUCKET_SCRIPT);

type Mode = 'take' | 'fail' | 'peek';

export interface RedisRateLimiterOptions extends RedisConnectionOptions {
  /** Allowance per user across routes without their own rule. Default 100 per 60,000 ms. */
  default?: RateLimitRule;
  /** Routes with their own bucket, by pattern (`'POST /execute'`). Default none. */
  routes?: Readonly<Record<string, RateLimitRule>>;
  /**
   * Names this limiter's buckets, so two limiters on one Redis (per user, per address for
   * `publicRateLimit`) never share one. Default `requests`.
   */
  name?: string;
  /** Clock in epoch ms. Default the Redis server's clock, one for every instance. */
  now?: () => number;
}

/** The Redis limiters, with what health checks and shutdown need. */
export interface RedisLimiterHandle {
  /** Throws `E_REDIS_UNAVAILABLE` while Redis does not answer, for `GET /ready`. */
  checkReady(): Promise<void>;
  /** Closes the connection the limiter opened (never the host's `client`). */
  close(): Promise<void>;
}

export interface RedisRateLimiter extends RateLimiter, RedisLimiterHandle {
  consume(key: string, route: string): Promise<RateLimitDecision>;
  checkReady(): Promise<void>;
}

/** The `:`-free form of a name inside a key, so `route` and `key` can never run into each other. */
const keyPart = (text: string) => encodeURIComponent(text);

async function runBucket(
  link: ReturnType<typeof openRedisLink>,
  key: string,
  rule: RateLimitRule,
  now: (() => number) | undefined,
  mode: Mode,
  what: string,
): Promise<{ taken: boolean; tokens: number }> {
  const reply = (await redisCall(link.command, what, link.commandTimeoutMs, () =>
    bucketScript.run(
      link.command,
      [key],
      [rule.limit, rule.windowMs, now ? String(now()) : '', mode],
    ),
  )) as [number, string];
  return { taken: reply[0] === 1, tokens: Number(reply[1]) };
}

/**
 * Per-user request limits shared by every instance on one Redis: the same token bucket as
 * `createMemoryRateLimiter` (a burst of `limit`, then an even refill over the window), kept
 * in Redis and updated by one Lua script per request, so 100 a minute is 100 for the cluster
 * however requests spread. While Redis cannot answer, `consume` throws `E_REDIS_UNAVAILABLE`
 * (within `commandTimeoutMs`) and the router answers 503 with `Retry-After`.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const fallback = options.default ?? { limit: 100, windowMs: 60_000 };
  const routes = options.routes ?? {};
  checkRules('createRedisRateLimiter', fallback, routes);
  const link = openRedisLink(options, 'createRedisRateLimiter');
  const base = `${link.prefix}rate:${keyPart(options.name ?? 'requests')}:`;
  return {
    async consume(key, route) {
      const own = routes[route];
      const rule = own ?? fallback;
      const bucket = `${base}${own ? keyPart(route) : ''}:${key}`;
      const { taken, tokens } = await runBucket(
        link,
        bucket,
        rule,
        options.now,
        'take',
        'checking the request limit',
      );
      return bucketDecision(rule, tokens, taken);
    },
    checkReady: () => ping(link),
    close: () => link.close(),
  };
}

export interface RedisAuthFailureLimiterOptions extends RedisConnectionOptions {
  /** Failed attempts allowed per client address and window. Default 20. */
  limit?: number;
  /** Window length in ms: the allowance refills evenly over it. Default 60,000. */
  windowMs?: number;
  /** Clock in epoch ms. Default the Redis server's clock, one for every instance. */
  now?: () => number;
}

export interface RedisAuthFailureLimiter extends AuthFailureLimiter, RedisLimiterHandle {
  check(clientKey: string): Promise<number>;
  fail(clientKey: string): Promise<void>;
  checkReady(): Promise<void>;
}

/**
 * Failed sign-ins per client address, shared by every instance on one Redis: the same token
 * bucket as `createMemoryAuthFailureLimiter`, so an address that fails on one instance is made
 * to wait on all of them. While Redis cannot answer, its calls throw `E_REDIS_UNAVAILABLE`
 * and the router answers 503.
 */
export function createRedisAuthFailureLimiter(
  options: RedisAuthFailureLimiterOptions,
): RedisAuthFailureLimiter {
  const limit = options.limit ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  if (!(limit >= 1 && windowMs >= 1)) {
    throw hostError(
      'E_INVALID_OPTION',
      `createRedisAuthFailureLimiter: limit and windowMs must be at least 1; got limit ${limit} and windowMs ${windowMs}.`,
      { limit, windowMs },
    );
  }
  const rule = { limit, windowMs };
  const link = openRedisLink(options, 'createRedisAuthFailureLimiter');
  const base = `${link.prefix}signin-failures:`;
  return {
    async check(clientKey) {
      const { tokens } = await runBucket(
        link,
        base + clientKey,
        rule,
        options.now,
        'peek',
        'checking failed sign-ins',
      );
      return tokens >= 1 ? 0 : waitSeconds(rule, tokens);
    },
    async fail(clientKey) {
      await runBucket(
        link,
        base + clientKey,
        rule,
        options.now,
        'fail',
        'counting a failed sign-in',
      );
    },
    checkReady: () => ping(link),
    close: () => link.close(),
  };
}

async function ping(link: ReturnType<typeof openRedisLink>): Promise<void> {
  await redisCall(link.command, 'checking the request limits', link.commandTimeoutMs, () =>
    link.command.ping(),
  );
}
