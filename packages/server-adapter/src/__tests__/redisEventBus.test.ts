import type { RunEvent } from '@galaxyflow/engine';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisEventBus, type RedisEventBus } from '../redis/index';
import type { RunEventRecord } from '../store/types';
import { runEventBusContract } from '../testing/eventBusContract';
import { type RedisServer, startRedisServer } from './support/redis';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.close();
});

let prefixes = 0;
/** A bus on the test's server, on keys of its own so tests never hear each other. */
function busOn(prefix: string, options: { client?: Redis } = {}): RedisEventBus {
  return createRedisEventBus({
    ...(options.client ? { client: options.client } : { connection: redis.url }),
    prefix,
    onListenerError: () => {},
    onError: () => {},
  });
}
const freshPrefix = () => `bus-test-${++prefixes}:`;

runEventBusContract({
  name: 'Redis, one process',
  async create() {
    const bus = busOn(freshPrefix());
    await bus.ready();
    return { bus, close: () => bus.close() };
  },
});

// Published by one process, heard by another: every record crosses Redis.
runEventBusContract({
  name: 'Redis, published on one instance and heard on another',
  async create() {
    const prefix = freshPrefix();
    const publisher = busOn(prefix);
    const listener = busOn(prefix);
    await Promise.all([publisher.ready(), listener.ready()]);
    return {
      bus: { publish: publisher.publish, subscribe: listener.subscribe },
      close: async () => {
        await publisher.close();
        await listener.close();
      },
    };
  },
});

function records(runId: string, from: number, count: number): RunEventRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    const event: RunEvent = { type: 'node:delta', runId, at: seq, nodeId: 'a', delta: `${seq};` };
    return { runId, seq, event };
  });
}

/** Every batch a listener is handed, repeats included. */
function recorder() {
  const batches: RunEventRecord[][] = [];
  return {
    batches,
    listen: (batch: readonly RunEventRecord[]) => batches.push([...batch]),
    seqs: () => batches.flat().map((r) => r.seq),
  };
}

/** The connections named `name` (ioredis sends the name), with their pattern subscriptions. */
async function clientsNamed(admin: Redis, name: string) {
  const list = (await admin.client('LIST')) as string;
  const lines = list.split('\n').filter((line) => line.includes(` name=${name} `));
  return {
    count: lines.length,
    patterns: lines.map((line) => Number(/ psub=(\d+)/.exec(line)?.[1])),
  };
}

describe('createRedisEventBus', () => {
  it('holds one subscription and two connections per process, however many streams listen', async () => {
    const admin = new Redis(redis.url);
    const prefix = freshPrefix();
    const api = busOn(prefix);
    const worker = busOn(prefix);
    try {
      await Promise.all([api.ready(), worker.ready()]);
      const before = await clientsNamed(admin, 'createRedisEventBus-subscriber');
      expect(before).toEqual({ count: 2, patterns: [1, 1] });
      const heard = new Map<string, number>();
      const stops: (() => void)[] = [];
      for (let i = 0; i < 1000; i++) {
        const runId = `run-${i % 200}`;
        stops.push(
          api.subscribe(runId, (batch) => heard.set(runId, (heard.get(runId) ?? 0) + batch.length)),
        );
      }
      expect(api.listenerCount()).toBe(1000);
      expect(api.listenerCount('run-7')).toBe(5);
      for (let i = 0; i < 200; i++) worker.publish(`run-${i}`, records(`run-${i}`, 1, 2));
      // 200 runs x 2 records x 5 listeners each.
      await vi.waitFor(() => expect([...heard.values()].reduce((a, b) => a + b, 0)).toBe(2000));
      // Each bus has one command and one subscriber connection: 1,000 streams add none.
      expect(await clientsNamed(admin, 'createRedisEventBus-subscriber')).toEqual(before);
      expect((await clientsNamed(admin, 'createRedisEventBus')).count).toBe(2);
      for (const stop of stops) stop();
      expect(api.listenerCount()).toBe(0);
    } finally {
      await api.close();
      await worker.close();
      admin.disconnect();
    }
  });

  it("hands a process's own events to its listeners once, not again when Redis echoes them", async () => {
    const prefix = freshPrefix();
    const bus = busOn(prefix);
    await bus.ready();
    const own = recorder();
    const stop = bus.subscribe('run-1', own.listen);
    bus.publish('run-1', records('run-1', 1, 3));
    // Delivered synchronously, before any round trip.
    expect(own.seqs()).toEqual([1, 2, 3]);
    // The echo from Redis would have arrived by the time a later message does.
    const marker = recorder();
    const stopMarker = bus.subscribe('run-2', marker.listen);
    const sender = busOn(prefix);
    await sender.ready();
    sender.publish('run-2', records('run-2', 1, 1));
    await vi.waitFor(() => expect(marker.seqs()).toEqual([1]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(own.batches).toHaveLength(1);
    stop();
    stopMarker();
    await Promise.all([bus.close(), sender.close()]);
  });

  it('works on a client the host owns, which it duplicates for listening and never closes', async () => {
    const host = new Redis(redis.url);
    const prefix = freshPrefix();
    const bus = busOn(prefix, { client: host });
    const sender = busOn(prefix, { client: host });
    await Promise.all([bus.ready(), sender.ready()]);
    const heard = recorder();
    const stop = bus.subscribe('run-1', heard.listen);
    sender.publish('run-1', records('run-1', 1, 2));
    await vi.waitFor(() => expect(heard.seqs()).toEqual([1, 2]));
    stop();
    await bus.close();
    await sender.close();
    expect(host.status).toBe('ready');
    expect(await host.ping()).toBe('PONG');
    host.disconnect();
  });

  it('refuses to start without exactly one of connection and client', () => {
    expect(() => createRedisEventBus({})).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_OPTION',
        message: expect.stringContaining('not neither'),
      }),
    );
    const host = new Redis(redis.url, { lazyConnect: true });
    expect(() => createRedisEventBus({ client: host, connection: redis.url })).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_OPTION',
        message: expect.stringContaining('both'),
      }),
    );
    host.disconnect();
  });

  it('survives Redis going away: publishing never throws, and it listens again once Redis is back', async () => {
    const errors: unknown[] = [];
    const prefix = freshPrefix();
    const make = () =>
      createRedisEventBus({ connection: redis.url, prefix, onError: (e) => errors.push(e) });
    const api = make();
    const worker = make();
    await Promise.all([api.ready(), worker.ready()]);
    const heard = recorder();
    const stop = api.subscribe('run-1', heard.listen);
    worker.publish('run-1', records('run-1', 1, 1));
    await vi.waitFor(() => expect(heard.seqs()).toEqual([1]));

    await redis.stop();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    await expect(api.checkReady()).rejects.toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
    // Lost on the way (the store has it), but neither throws nor reaches anyone twice later.
    expect(() => worker.publish('run-1', records('run-1', 2, 1))).not.toThrow();
    // A process's own listeners still hear it.
    const local = recorder();
    const stopLocal = worker.subscribe('run-1', local.listen);
    worker.publish('run-1', records('run-1', 3, 1));
    expect(local.seqs()).toEqual([3]);
    stopLocal();

    await redis.start();
    await Promise.all([api.ready(), worker.ready()]);
    // Each connection comes back on its own schedule; publishing waits for the worker's.
    for (const bus of [api, worker]) {
      await expect
        .poll(
          () =>
            bus.checkReady().then(
              () => 'ready',
              () => 'down',
            ),
          { timeout: 5_000 },
        )
        .toBe('ready');
    }
    worker.publish('run-1', records('run-1', 4, 1));
    await vi.waitFor(() => expect(heard.seqs()).toEqual([1, 4]), { timeout: 5_000 });
    stop();
    await api.close();
    await worker.close();
  });
});
