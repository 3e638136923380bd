import { createProviderSet, type GalaxyError, type ProviderSet } from '@galaxyflow/engine';
import { createOpenAICompatibleProvider } from '@galaxyflow/engine/providers/openai-compatible';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisCircuitSync } from '../redis/index';
import { runCircuitSyncContract } from '../testing/circuitSyncContract';
import { type RedisServer, startRedisServer } from './support/redis';

let redis: RedisServer;
let stub: LLMStub;
beforeAll(async () => {
  [redis, stub] = await Promise.all([startRedisServer(), startLLMStub()]);
});
afterAll(async () => {
  await Promise.all([redis.close(), stub.close()]);
});
beforeEach(() => stub.reset());

let prefixes = 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One server process: its own Redis connections and its own provider set, `local` and `backup`. */
async function instance(prefix: string, cooldownMs = 30_000) {
  const sync = createRedisCircuitSync({ connection: redis.url, prefix, onError: () => {} });
  await sync.ready();
  const providers = createProviderSet({
    providers: [
      createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'local', defaultModel: 'small' }),
      createOpenAICompatibleProvider({ baseUrl: stub.url, name: 'backup', defaultModel: 'big' }),
    ],
    resilience: { retry: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 2, cooldownMs } },
    circuitSync: sync,
  });
  cleanups.push(async () => {
    providers.close();
    await sync.close();
  });
  return { sync, providers };
}

async function rejection(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    return error as GalaxyError;
  }
  throw new Error('expected the call to fail');
}

const failures = (count: number, model = 'small') =>
  Array.from({ length: count }, () => ({ type: 'error' as const, status: 500, match: { model } }));

async function open(providers: ProviderSet, name = 'local') {
  for (let i = 0; i < 2; i++) await rejection(providers.complete({ provider: name, prompt: 'x' }));
  expect(providers.circuitState(name)).toBe('open');
}

runCircuitSyncContract({
  name: 'Redis',
  async create() {
    const prefix = `circuits-contract-${++prefixes}:`;
    const made: ReturnType<typeof createRedisCircuitSync>[] = [];
    const join = async () => {
      const sync = createRedisCircuitSync({ connection: redis.url, prefix, onError: () => {} });
      made.push(sync);
      await sync.ready();
      return sync;
    };
    const [a, b] = [await join(), await join()];
    return {
      a,
      b,
      join,
      close: async () => {
        await Promise.all(made.map((sync) => sync.close()));
      },
    };
  },
});

describe('createRedisCircuitSync', () => {
  it('a provider that fails on instance A stops being called from instance B', async () => {
    const prefix = `circuits-${++prefixes}:`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    stub.enqueue(...failures(2));
    await open(a.providers);
    await expect.poll(() => b.providers.circuitState('local')).toBe('open');
    const refused = await rejection(b.providers.complete({ provider: 'local', prompt: 'on b' }));
    expect(refused).toMatchObject({ code: 'E_CIRCUIT_OPEN' });
    expect((refused.details as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(29_000);
    // Only A's two calls reached the provider; the other provider is untouched.
    expect(stub.requests).toHaveLength(2);
    expect(b.providers.circuitState('backup')).toBe('closed');
    expect((await b.providers.complete({ provider: 'backup', prompt: 'b' })).provider).toBe(
      'backup',
    );
  });

  it('an instance that starts while the breaker is open starts with it open', async () => {
    const prefix = `circuits-${++prefixes}:`;
    const a = await instance(prefix);
    stub.enqueue(...failures(2));
    await open(a.providers);
    const late = await instance(prefix);
    await expect.poll(() => late.providers.circuitState('local')).toBe('open');
    expect(
      await rejection(late.providers.complete({ provider: 'local', prompt: 'late' })),
    ).toMatchObject({ code: 'E_CIRCUIT_OPEN' });
    expect(stub.requests).toHaveLength(2);
  });

  it('a trial call that succeeds on one instance closes the breaker on the other', async () => {
    const prefix = `circuits-${++prefixes}:`;
    const a = await instance(prefix, 300);
    const b = await instance(prefix, 300);
    stub.enqueue(...failures(2));
    await open(a.providers);
    await expect.poll(() => b.providers.circuitState('local')).toBe('open');
    await expect.poll(() => b.providers.circuitState('local')).toBe('half-open');
    expect((await b.providers.complete({ provider: 'local', prompt: 'trial' })).provider).toBe(
      'local',
    );
    await expect.poll(() => a.providers.circuitState('local')).toBe('closed');
    // Closed everywhere: a process starting now does not see it open either.
    const admin = new Redis(redis.url);
    expect(await admin.exists(`${prefix}circuit:local`)).toBe(0);
    admin.disconnect();
  });

  it('keeps each process on its own breakers while Redis is down, and shares again once it is back', async () => {
    const prefix = `circuits-${++prefixes}:`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    try {
      await redis.stop();
      await expect
        .poll(() =>
          a.sync.checkReady().then(
            () => 'up',
            () => 'down',
          ),
        )
        .toBe('down');
      stub.enqueue(...failures(2));
      // Publishing fails quietly: A still opens its own breaker and calls go on.
      await open(a.providers);
      expect(b.providers.circuitState('local')).toBe('closed');
    } finally {
      await redis.start();
    }
    await Promise.all([a.sync.ready(), b.sync.ready()]);
    for (const sync of [a.sync, b.sync]) {
      await expect
        .poll(
          () =>
            sync.checkReady().then(
              () => 'up',
              () => 'down',
            ),
          { timeout: 5_000 },
        )
        .toBe('up');
    }
    stub.enqueue(...failures(2, 'big'));
    await open(b.providers, 'backup');
    await expect.poll(() => a.providers.circuitState('backup')).toBe('open');
  });
});
