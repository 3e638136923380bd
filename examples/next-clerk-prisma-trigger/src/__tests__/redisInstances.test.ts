import { join } from 'node:path';
import { executeRun } from '@galaxyflow/server-adapter';
import { type RedisServer, startRedisServer } from '@galaxyflow/server-adapter/testing/servers';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGalaxyRunTask } from '../queue/galaxyRunTask';
import { readAppEnv, readWorkerEnv } from '../server/env';
import { buildGalaxyHandler, type GalaxyHost } from '../server/galaxy';
import { buildWorkerDeps, type WorkerHost } from '../server/worker';
import { migratedSqliteFile, scratchDir } from './databases';
import { fakeTriggerDev } from './fakeTriggerDev';

const scratch = scratchDir('galaxy-redis-');
let redis: RedisServer;
let env: Record<string, string>;
const hosts: GalaxyHost[] = [];
const workers: WorkerHost[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  env = {
    NODE_ENV: 'test',
    GALAXY_TEST_AUTH: '1',
    DATABASE_URL: `file:${migratedSqliteFile(join(scratch.dir, 'shared.db'))}`,
    REDIS_URL: redis.url,
    GALAXY_QUEUE: 'trigger',
    TRIGGER_SECRET_KEY: 'tr_dev_test123',
  };
}, 30_000);

afterAll(async () => {
  for (const host of hosts) await host.close();
  for (const worker of workers) await worker.close();
  await redis?.close();
  scratch.remove();
});

const silent = pino({ level: 'silent' });

function call(host: GalaxyHost, method: string, path: string, body?: unknown): Promise<Response> {
  return host.handler(
    new Request(`http://localhost/api${path}`, {
      method,
      headers: { cookie: 'galaxy_test_user=alice', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

describe('REDIS_URL in the environment', () => {
  it('must be a redis:// or rediss:// URL, named in the message', () => {
    for (const read of [readAppEnv, readWorkerEnv]) {
      expect(() => read({ ...env, REDIS_URL: 'http://cache:6379' })).toThrow(
        'REDIS_URL must be a redis:// or rediss:// URL',
      );
      expect(read({ ...env, REDIS_URL: 'rediss://:secret@cache:6380' }).REDIS_URL).toBe(
        'rediss://:secret@cache:6380',
      );
      expect(read({ ...env, REDIS_URL: '' }).REDIS_URL).toBeUndefined();
    }
  });
});

describe('two app instances on one Redis', () => {
  it('share the per-user limit: 150 requests spread over both allow about 100', async () => {
    const a = await buildGalaxyHandler(env, {
      triggerClient: fakeTriggerDev().client,
      logger: silent,
    });
    const b = await buildGalaxyHandler(env, {
      triggerClient: fakeTriggerDev().client,
      logger: silent,
    });
    hosts.push(a, b);
    let allowed = 0;
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const response = await call(i % 2 === 0 ? a : b, 'GET', '/workflows');
      if (response.status === 200) allowed++;
      else if (response.status === 429) refused++;
      await response.body?.cancel();
    }
    // 100 a minute for the user, not 100 per instance; a few refill while the test runs.
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(105);
    expect(allowed + refused).toBe(150);
  }, 60_000);

  // bob, not alice: the limit test above used up alice's requests.
  it('streams a run a worker elsewhere executes live to a client of another instance', async () => {
    const triggerDev = fakeTriggerDev();
    const api = await buildGalaxyHandler(env, { triggerClient: triggerDev.client, logger: silent });
    const viewer = await buildGalaxyHandler(env, {
      triggerClient: fakeTriggerDev().client,
      logger: silent,
    });
    hosts.push(api, viewer);
    const worker = await buildWorkerDeps(env);
    workers.push(worker);
    const as = (host: GalaxyHost, method: string, path: string, body?: unknown) =>
      host.handler(
        new Request(`http://localhost/api${path}`, {
          method,
          headers: { cookie: 'galaxy_test_user=bob', 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const started = await as(api, 'POST', '/execute', {
      nodes: [
        { id: 'a', type: 'text', data: { text: 'hello' }, position: { x: 0, y: 0 } },
        { id: 'b', type: 'debug', data: {}, position: { x: 200, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' }],
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const job = triggerDev.jobs[0];
    expect(job?.payload.runId).toBe(runId);

    const stream = await as(viewer, 'GET', `/runs/${runId}/events`);
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value); // the `retry:` line: subscribed

    const outcome = await runGalaxyRunTask(
      { runId },
      { triggerRunId: 'run_1', attempt: 1, signal: new AbortController().signal },
      executeRun,
      { ...worker.deps, logger: { warn: () => undefined, error: () => undefined } },
    );
    const finishedAt = Date.now();
    expect(outcome).toEqual({ runId, status: 'SUCCESS' });
    while (!text.includes('run:finish')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const heardAfter = Date.now() - finishedAt;
    expect(text).toContain('node:finish');
    expect(text).toContain('run:finish');
    // Without the bus the stream would wait for its next read of the store, about 1 s later.
    expect(heardAfter).toBeLessThan(400);
  }, 60_000);
});
