import { afterEach, describe, expect, test } from 'vitest';
import type { AuthFailureLimiter, RateLimiter, RateLimitRule } from '../rateLimit';

/** The settings every limiter under test takes; `now` is the suite's clock, in epoch ms. */
export interface RateLimiterContractSettings {
  default?: RateLimitRule;
  routes?: Readonly<Record<string, RateLimitRule>>;
  now: () => number;
}

export interface AuthFailureLimiterContractSettings {
  limit?: number;
  windowMs?: number;
  now: () => number;
}

export interface RateLimiterContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /**
   * Makes a fresh limiter with these rules and clock, sharing no buckets with the limiters of
   * earlier tests. Unset rules keep the implementation's defaults (100 per 60,000 ms).
   */
  createLimiter: (settings: RateLimiterContractSettings) => RateLimiter | Promise<RateLimiter>;
  /** Makes a fresh failed-sign-in limiter; unset settings keep its defaults (20 per 60,000 ms). */
  createAuthFailureLimiter: (
    settings: AuthFailureLimiterContractSettings,
  ) => AuthFailureLimiter | Promise<AuthFailureLimiter>;
  /** Frees what the create functions made; called after each test. Default nothing. */
  cleanup?: () => void | Promise<void>;
}

/** A clock the suite moves by hand, starting at an arbitrary epoch. */
function manualClock() {
  const clock = { at: 1_700_000_000_000, now: () => clock.at };
  return clock;
}

/**
 * What every `RateLimiter` and `AuthFailureLimiter` decides: a token bucket per user (and per
 * route with its own rule) that allows a burst of `limit`, then refills evenly over the window;
 * the same `RateLimit-*` and `Retry-After` figures whichever store keeps the buckets; and the
 * same refusal of a rule it cannot use. Run it in a Vitest file:
 * `runRateLimiterContract({ name: 'Redis', createLimiter, createAuthFailureLimiter })`.
 */
export function runRateLimiterContract(options: RateLimiterContractOptions): void {
  const consume = async (limiter: RateLimiter, key: string, route: string) =>
    await limiter.consume(key, route);

  describe(`RateLimiter contract: ${options.name}`, () => {
    afterEach(async () => {
      await options.cleanup?.();
    });

    test('allows a burst up to the limit, then refills evenly over the window', async () => {
      const clock = manualClock();
      const limiter = await options.createLimiter({ now: clock.now });
      const burst = [];
      for (let i = 0; i < 101; i++) burst.push(await consume(limiter, 'u', 'GET /runs'));
      expect(burst.filter((d) => d.allowed)).toHaveLength(100);
      expect(burst[0]).toMatchObject({
        allowed: true,
        limit: 100,
        remaining: 99,
        windowSeconds: 60,
      });
      const refused = burst[100]!;
      expect(refused).toMatchObject({
        allowed: false,
        limit: 100,
        remaining: 0,
        retryAfterSeconds: 1,
        windowSeconds: 60,
      });
      expect(refused.resetSeconds).toBe(60);
      clock.at += 600; // 100 per minute: one token every 600 ms
      expect((await consume(limiter, 'u', 'GET /runs')).allowed).toBe(true);
      expect((await consume(limiter, 'u', 'GET /runs')).allowed).toBe(false);
      expect((await consume(limiter, 'someone-else', 'GET /runs')).allowed).toBe(true);
      // A full minute later the bucket is full again: a whole new burst.
      clock.at += 60_000;
      const after = await consume(limiter, 'u', 'GET /runs');
      expect(after).toMatchObject({ allowed: true, remaining: 99, resetSeconds: 1 });
    });

    test('gives routes with their own rule their own bucket', async () => {
      const limiter = await options.createLimiter({
        default: { limit: 2, windowMs: 1000 },
        routes: { 'POST /execute': { limit: 1, windowMs: 10_000 } },
        now: manualClock().now,
      });
      expect((await consume(limiter, 'u', 'POST /execute')).allowed).toBe(true);
      expect(await consume(limiter, 'u', 'POST /execute')).toMatchObject({
        allowed: false,
        limit: 1,
        retryAfterSeconds: 10,
        windowSeconds: 10,
      });
      expect((await consume(limiter, 'u', 'GET /runs')).allowed).toBe(true);
      expect((await consume(limiter, 'u', 'GET /workflows')).allowed).toBe(true);
      expect((await consume(limiter, 'u', 'GET /workflows')).allowed).toBe(false);
      expect((await consume(limiter, 'v', 'POST /execute')).allowed).toBe(true);
    });

    test('tells a refused client how long until one request is allowed', async () => {
      const clock = manualClock();
      // 3 per minute: one token every 20 s.
      const limiter = await options.createLimiter({
        default: { limit: 3, windowMs: 60_000 },
        now: clock.now,
      });
      for (let i = 0; i < 3; i++) await consume(limiter, 'u', 'GET /runs');
      const refused = await consume(limiter, 'u', 'GET /runs');
      expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 20, resetSeconds: 60 });
      clock.at += 5_000;
      expect(await consume(limiter, 'u', 'GET /runs')).toMatchObject({
        allowed: false,
        retryAfterSeconds: 15,
      });
      clock.at += 15_000;
      expect(await consume(limiter, 'u', 'GET /runs')).toMatchObject({
        allowed: true,
        remaining: 0,
      });
    });

    test('refuses a rule it cannot use, naming it', async () => {
      await expect(
        (async () =>
          options.createLimiter({
            routes: { 'POST /execute': { limit: 0, windowMs: 1000 } },
            now: Date.now,
          }))(),
      ).rejects.toMatchObject({
        code: 'E_INVALID_OPTION',
        message: expect.stringContaining('routes["POST /execute"] has limit 0'),
      });
      await expect(
        (async () =>
          options.createLimiter({ default: { limit: 10, windowMs: 0 }, now: Date.now }))(),
      ).rejects.toMatchObject({
        code: 'E_INVALID_OPTION',
        message: expect.stringContaining('default has limit 10 and windowMs 0'),
      });
    });
  });

  describe(`AuthFailureLimiter contract: ${options.name}`, () => {
    afterEach(async () => {
      await options.cleanup?.();
    });

    test('lets an address fail `limit` times, then makes it wait for the refill', async () => {
      const clock = manualClock();
      const limiter = await options.createAuthFailureLimiter({
        limit: 3,
        windowMs: 60_000,
        now: clock.now,
      });
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) {
        const wait = await limiter.check('198.51.100.1');
        waits.push(wait);
        if (wait === 0) await limiter.fail('198.51.100.1');
      }
      expect(waits).toEqual([0, 0, 0, 20]);
      // Checking costs nothing: the wait only shrinks with time.
      expect(await limiter.check('198.51.100.1')).toBe(20);
      clock.at += 5_000;
      expect(await limiter.check('198.51.100.1')).toBe(15);
      // Another address is not affected.
      expect(await limiter.check('198.51.100.2')).toBe(0);
      clock.at += 15_000;
      expect(await limiter.check('198.51.100.1')).toBe(0);
      await limiter.fail('198.51.100.1');
      expect(await limiter.check('198.51.100.1')).toBe(20);
    });

    test('more failures while refused do not dig a deeper hole', async () => {
      const clock = manualClock();
      const limiter = await options.createAuthFailureLimiter({
        limit: 2,
        windowMs: 10_000,
        now: clock.now,
      });
      for (let i = 0; i < 10; i++) await limiter.fail('a');
      expect(await limiter.check('a')).toBe(5);
      clock.at += 5_000;
      expect(await limiter.check('a')).toBe(0);
    });

    test('defaults to 20 failures a minute', async () => {
      const limiter = await options.createAuthFailureLimiter({ now: manualClock().now });
      for (let i = 0; i < 20; i++) {
        expect(await limiter.check('a')).toBe(0);
        await limiter.fail('a');
      }
      expect(await limiter.check('a')).toBe(3);
    });

    test('refuses settings it cannot use, naming them', async () => {
      await expect(
        (async () => options.createAuthFailureLimiter({ windowMs: 0, now: Date.now }))(),
      ).rejects.toMatchObject({
        code: 'E_INVALID_OPTION',
        message: expect.stringContaining('windowMs 0'),
      });
    });
  });
}
