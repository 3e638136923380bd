import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createRedisEventBus, createRedisRateLimiter } from '../redis/index';
import { type RedisServer, startRedisServer } from './support/redis';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.close();
});

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected connectRedis to fail');
}

describe('connectRedis', () => {
  it('connects, and the adapters share the connection without closing it', async () => {
    const client = await connectRedis({ url: redis.url, source: 'REDIS_URL' });
    try {
      expect(client.status).toBe('ready');
      const bus = createRedisEventBus({ client, prefix: 'shared:' });
      const limiter = createRedisRateLimiter({ client, prefix: 'shared:' });
      await bus.ready();
      expect((await limiter.consume('alice', 'GET /runs')).allowed).toBe(true);
      await bus.close();
      await limiter.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('names the variable when it is not set or not a Redis URL', async () => {
    expect(await failure(connectRedis({ url: undefined, source: 'REDIS_URL' }))).toMatchObject({
      code: 'E_INVALID_OPTION',
      message: expect.stringContaining('REDIS_URL is not set'),
    });
    expect(await failure(connectRedis({ url: '  ', source: 'REDIS_URL' }))).toMatchObject({
      code: 'E_INVALID_OPTION',
    });
    const wrong = await failure(
      connectRedis({ url: 'postgres://app:hunter2@db:5432/app', source: 'REDIS_URL' }),
    );
    expect(wrong).toMatchObject({
      code: 'E_INVALID_OPTION',
      message: expect.stringContaining('REDIS_URL must be a redis:// or rediss:// URL'),
    });
    expect(wrong.message).not.toContain('hunter2');
  });

  it('fails within its timeout, naming the variable and the address but not the password, when Redis is down', async () => {
    await redis.stop();
    try {
      const url = `redis://:s3cret-pass@127.0.0.1:${redis.port}`;
      const started = performance.now();
      const error = await failure(connectRedis({ url, source: 'REDIS_URL', timeoutMs: 400 }));
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(error).toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
      expect(error.message).toContain('(REDIS_URL)');
      expect(error.message).toContain(`127.0.0.1:${redis.port}`);
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).toContain('Start Redis there, or set REDIS_URL');
      expect(error.message).not.toContain('s3cret-pass');
    } finally {
      await redis.start();
    }
  });

  it('waits for a Redis that is still starting, up to its timeout', async () => {
    await redis.stop();
    const connecting = connectRedis({ url: redis.url, timeoutMs: 5_000, onError: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.start();
    const client = await connecting;
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
