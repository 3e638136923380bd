import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisAuthFailureLimiter,
  createRedisRateLimiter,
  type RedisLimiterHandle,
} from '../redis/index';
import { runRateLimiterContract } from '../testing/rateLimitContract';
import { type RedisServer, startRedisServer } from './support/redis';

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  admin.on('error', () => {});
});
afterAll(async () => {
  admin.disconnect();
  await redis.close();
});

let prefixes = 0;
const freshPrefix = () => `limits-test-${++prefixes}:`;
const open: RedisLimiterHandle[] = [];
function track<T extends RedisLimiterHandle>(limiter: T): T {
  open.push(limiter);
  return limiter;
}
async function closeAll() {
  await Promise.all(open.splice(0).map((limiter) => limiter.close()));
}

runRateLimiterContract({
  name: 'Redis',
  createLimiter: (settings) =>
    track(createRedisRateLimiter({ connection: redis.url, prefix: freshPrefix(), ...settings })),
  createAuthFailureLimiter: (settings) =>
    track(
      createRedisAuthFailureLimiter({ connection: redis.url, prefix: freshPrefix(), ...settings }),
    ),
  cleanup: closeAll,
});

describe('createRedisRateLimiter across instances', () => {
  it('holds 100 a minute for the cluster: 150 concurrent requests over two instances, 100 allowed', async () => {
    const prefix = freshPrefix();
    // Two instances, two connections, the Redis server's clock.
    const a = track(createRedisRateLimiter({ connection: redis.url, prefix }));
    const b = track(createRedisRateLimiter({ connection: redis.url, prefix }));
    try {
      const decisions = await Promise.all(
        Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? a : b).consume('alice', 'GET /runs')),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
      const refused = decisions.filter((d) => !d.allowed);
      expect(refused).toHaveLength(50);
      for (const decision of refused) {
        expect(decision).toMatchObject({ limit: 100, remaining: 0, retryAfterSeconds: 1 });
      }
      // Another user still has a full allowance on either instance.
      expect(await b.consume('bob', 'GET /runs')).toMatchObject({ allowed: true, remaining: 99 });
    } finally {
      await closeAll();
    }
  });

  it('keeps the buckets of limiters with different names apart, and forgets idle buckets', async () => {
    const prefix = freshPrefix();
    const rule = { limit: 2, windowMs: 2_000 };
    const users = track(createRedisRateLimiter({ connection: redis.url, prefix, default: rule }));
    const addresses = track(
      createRedisRateLimiter({ connection: redis.url, prefix, name: 'public', default: rule }),
    );
    try {
      await users.consume('203.0.113.9', 'GET /runs');
      await users.consume('203.0.113.9', 'GET /runs');
      expect((await users.consume('203.0.113.9', 'GET /runs')).allowed).toBe(false);
      expect((await addresses.consume('203.0.113.9', 'GET /health')).allowed).toBe(true);
      // A bucket expires when it would be full again: idle users leave nothing behind.
      const keys = await admin.keys(`${prefix}*`);
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(2_000 + 1_000);
      }
    } finally {
      await closeAll();
    }
  });
});

describe('Redis limiters while Redis is down', () => {
  it('fail fast with E_REDIS_UNAVAILABLE, and decide again once Redis is back', async () => {
    const prefix = freshPrefix();
    const errors: unknown[] = [];
    const limiter = track(
      createRedisRateLimiter({ connection: redis.url, prefix, onError: (e) => errors.push(e) }),
    );
    const failures = track(
      createRedisAuthFailureLimiter({
        connection: redis.url,
        prefix,
        onError: (e) => errors.push(e),
      }),
    );
    try {
      expect((await limiter.consume('alice', 'GET /runs')).allowed).toBe(true);
      await expect(limiter.checkReady()).resolves.toBeUndefined();
      await redis.stop();
      // Reported once, by the limiter's own onError, while it keeps reconnecting.
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      const started = performance.now();
      await expect(limiter.consume('alice', 'GET /runs')).rejects.toMatchObject({
        code: 'E_REDIS_UNAVAILABLE',
        message: expect.stringContaining(`127.0.0.1:${redis.port}`),
      });
      await expect(failures.check('198.51.100.1')).rejects.toMatchObject({
        code: 'E_REDIS_UNAVAILABLE',
      });
      await expect(failures.fail('198.51.100.1')).rejects.toMatchObject({
        code: 'E_REDIS_UNAVAILABLE',
      });
      await expect(limiter.checkReady()).rejects.toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
      // Not queued until Redis returns: the caller hears at once.
      expect(performance.now() - started).toBeLessThan(500);

      await redis.start();
      // Each limiter's connection comes back on its own schedule (ioredis backs off up to 2 s).
      for (const handle of [limiter, failures]) {
        await expect
          .poll(
            () =>
              handle.checkReady().then(
                () => 'ready',
                () => 'down',
              ),
            { timeout: 5_000 },
          )
          .toBe('ready');
      }
      // A new server remembers nothing (nothing is saved here): the user starts afresh.
      expect(await limiter.consume('alice', 'GET /runs')).toMatchObject({
        allowed: true,
        remaining: 99,
      });
      expect(await failures.check('198.51.100.1')).toBe(0);
    } finally {
      await redis.start();
      await closeAll();
    }
  });

  it('gives up on a command a hung Redis does not answer within commandTimeoutMs', async () => {
    const limiter = track(
      createRedisRateLimiter({
        connection: redis.url,
        prefix: freshPrefix(),
        commandTimeoutMs: 200,
        onError: () => {},
      }),
    );
    try {
      await limiter.checkReady();
      redis.pause();
      const started = performance.now();
      await expect(limiter.consume('alice', 'GET /runs')).rejects.toMatchObject({
        code: 'E_REDIS_UNAVAILABLE',
        message: expect.stringContaining('no answer within 200 ms'),
      });
      expect(performance.now() - started).toBeLessThan(900);
    } finally {
      redis.resume();
      await closeAll();
    }
  });
});
