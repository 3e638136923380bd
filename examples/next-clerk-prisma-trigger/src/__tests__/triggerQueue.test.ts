import { join } from 'node:path';
import { builtinNodes, createRegistry, defineNode, type NodeRegistry } from '@galaxyflow/engine';
import {
  createGalaxyFetchHandler,
  executeRun,
  type GalaxyStore,
  tokenAuth,
} from '@galaxyflow/server-adapter';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { connectSqlite } from '../db/sqlite';
import { RunHandOffError, runGalaxyRunTask } from '../queue/galaxyRunTask';
import { createTriggerQueue } from '../queue/triggerQueue';
import { createPrismaStore } from '../store/prismaStore';
import { migratedSqliteFile, scratchDir } from './databases';
import { fakeTriggerDev } from './fakeTriggerDev';

/** Waits for its signal: a node that runs until the run is canceled. */
const waitNode = defineNode({
  type: 'wait',
  label: 'Wait',
  category: 'Test',
  description: 'Runs until canceled.',
  inputs: {},
  outputs: { text: { type: 'text', label: 'Text' } },
  data: z.object({}),
  run: ({ signal }) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
});

const greeting = {
  nodes: [
    { id: 'a', type: 'text', data: { text: 'hello' }, position: { x: 0, y: 0 } },
    { id: 'b', type: 'debug', data: {}, position: { x: 200, y: 0 } },
  ],
  edges: [{ id: 'e1', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' }],
};

const scratch = scratchDir('galaxy-trigger-');
afterAll(scratch.remove);
let files = 0;

describe('Trigger.dev queue behind the API', () => {
  let store: GalaxyStore;
  let registry: NodeRegistry;
  let triggerDev: ReturnType<typeof fakeTriggerDev>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  let api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

  beforeEach(async () => {
    const prisma = await connectSqlite({
      path: migratedSqliteFile(join(scratch.dir, `api-${++files}.db`)),
    });
    store = createPrismaStore({ prisma, dialect: 'sqlite' });
    registry = createRegistry([...builtinNodes, waitNode]);
    triggerDev = fakeTriggerDev();
    const handler = createGalaxyFetchHandler({
      auth: tokenAuth({ tokens: { 'alice-token-0123456789': 'user_alice' } }),
      store,
      queue: createTriggerQueue({ store, client: triggerDev.client }),
      registry,
      rateLimit: false,
      basePath: '/api',
      logger: pino({ level: 'silent' }),
    });
    api = async (method, path, body) => {
      const response = await handler(
        new Request(`http://localhost/api${path}`, {
          method,
          headers: {
            authorization: 'Bearer alice-token-0123456789',
            'content-type': 'application/json',
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      return { status: response.status, body: await response.json() };
    };
  });

  afterEach(() => store.close());

  /** What the Trigger.dev worker does with a job: the task body with the real executeRun. */
  function work(job: (typeof triggerDev.jobs)[number], attempt = 1, heartbeatMs = 20) {
    return runGalaxyRunTask(
      job.payload,
      { triggerRunId: job.id, attempt, signal: job.controller.signal },
      executeRun,
      { store, registry, leaseMs: 3 * heartbeatMs, heartbeatMs },
    );
  }

  it('triggers galaxy-run once per run and records its Trigger.dev id on the run', async () => {
    const accepted = await api('POST', '/execute', greeting);
    expect(accepted.status).toBe(202);
    const { runId } = accepted.body;
    expect(triggerDev.jobs).toHaveLength(1);
    const [job] = triggerDev.jobs;
    expect(job?.taskId).toBe('galaxy-run');
    expect(job?.payload).toEqual({ runId });
    expect(job?.options).toEqual({
      idempotencyKey: `galaxy-run:${runId}`,
      concurrencyKey: 'user_alice',
      tags: [`galaxy-run:${runId}`, 'galaxy-user:user_alice'],
    });
    const run = await api('GET', `/runs/${runId}`);
    expect(run.body.run.status).toBe('QUEUED');
    expect(run.body.run.externalId).toBe(job?.id);

    // Enqueueing the same run again (a retried hand-over) reaches the same Trigger.dev run.
    const queue = createTriggerQueue({ store, client: triggerDev.client });
    expect(await queue.enqueue(runId, { userId: 'user_alice' })).toEqual({ externalId: job?.id });
    expect(triggerDev.jobs).toHaveLength(1);
  });

  it('runs the workflow in the task and stores what a user then reads from the API', async () => {
    const { runId } = (await api('POST', '/execute', greeting)).body;
    const output = await work(triggerDev.jobs[0]!);
    expect(output).toEqual({ runId, status: 'SUCCESS' });
    const detail = await api('GET', `/runs/${runId}`);
    expect(detail.body.run.status).toBe('SUCCESS');
    const events = await store.listRunEvents(runId, 0);
    expect(events.at(-1)?.event.type).toBe('run:finish');
    const full = await store.getRunDetail('user_alice', runId);
    expect(full?.nodeResults.find((r) => r.nodeId === 'b')?.output).toEqual({ value: 'hello' });
    // Trigger.dev delivering the job again finds the run ended and does nothing.
    expect(await work(triggerDev.jobs[0]!, 2)).toEqual({ runId, skipped: 'finished' });
  });

  it('cancels a running run through Trigger.dev: it ends CANCELED at once', async () => {
    const { runId } = (
      await api('POST', '/execute', {
        nodes: [{ id: 'w', type: 'wait', data: {}, position: { x: 0, y: 0 } }],
        edges: [],
      })
    ).body;
    const job = triggerDev.jobs[0]!;
    // Heartbeats far apart: only Trigger.dev's abort can stop the run within the test.
    const running = work(job, 1, 60_000);
    await vi.waitFor(async () => expect((await store.getRunById(runId))?.status).toBe('RUNNING'));
    const canceled = await api('POST', `/runs/${runId}/cancel`);
    expect(canceled.status).toBe(202);
    expect(triggerDev.client.cancel).toHaveBeenCalledWith(job.id);
    expect(await running).toEqual({ runId, status: 'CANCELED' });
    const run = await api('GET', `/runs/${runId}`);
    expect(run.body.run.status).toBe('CANCELED');
    expect(run.body.run.counts.canceled).toBe(1);
  });

  it('still cancels when Trigger.dev refuses the call: the worker sees the request', async () => {
    const warn = vi.fn();
    const queue = createTriggerQueue({
      store,
      client: { ...triggerDev.client, cancel: vi.fn().mockRejectedValue(new Error('503')) },
      logger: { warn },
    });
    const { runId } = (await api('POST', '/execute', greeting)).body;
    await expect(queue.cancel(runId)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ runId, triggerRunId: triggerDev.jobs[0]?.id }),
      expect.stringContaining('next heartbeat'),
    );
  });

  it('answers 503 and ends the run FAILED when Trigger.dev cannot take it', async () => {
    triggerDev.client.trigger = vi.fn().mockRejectedValue(new Error('Trigger.dev is down'));
    const handler = createGalaxyFetchHandler({
      auth: tokenAuth({ tokens: { 'alice-token-0123456789': 'user_alice' } }),
      store,
      queue: createTriggerQueue({ store, client: triggerDev.client }),
      registry,
      rateLimit: false,
      logger: pino({ level: 'silent' }),
    });
    const response = await handler(
      new Request('http://localhost/execute', {
        method: 'POST',
        headers: {
          authorization: 'Bearer alice-token-0123456789',
          'content-type': 'application/json',
        },
        body: JSON.stringify(greeting),
      }),
    );
    expect(response.status).toBe(503);
    const runs = await store.listRuns('user_alice', { page: 1, limit: 10 });
    // Not CANCELED: nobody canceled it. It failed to queue, and says so.
    expect(runs.items.map((run) => [run.status, run.error?.code])).toEqual([
      ['FAILED', 'E_ENQUEUE_FAILED'],
    ]);
  });
});

describe('galaxy-run task body', () => {
  const payload = { runId: 'run-1' };
  const attempt = (n: number) => ({
    triggerRunId: 'run_abc',
    attempt: n,
    signal: new AbortController().signal,
  });

  it('leases the run under an id unique to the attempt and hands it the cancel signal', async () => {
    const execute = vi.fn<typeof executeRun>(async () => ({
      outcome: 'finished',
      runId: 'run-1',
      status: 'PARTIAL',
    }));
    const first = attempt(1);
    const deps = { store: {} as GalaxyStore, registry: createRegistry(builtinNodes) };
    expect(await runGalaxyRunTask(payload, first, execute, deps)).toEqual({
      runId: 'run-1',
      status: 'PARTIAL',
    });
    await runGalaxyRunTask(payload, attempt(2), execute, deps);
    expect(execute.mock.calls.map(([, deps]) => deps.workerId)).toEqual([
      'trigger:run_abc:1',
      'trigger:run_abc:2',
    ]);
    expect(execute.mock.calls[0]?.[1].cancelSignal).toBe(first.signal);
  });

  it('fails the attempt, so Trigger.dev retries, when the run could not be finished here', async () => {
    const deps = { store: {} as GalaxyStore, registry: createRegistry(builtinNodes) };
    for (const outcome of [
      { outcome: 'skipped' as const, runId: 'run-1', reason: 'held' as const },
      { outcome: 'released' as const, runId: 'run-1' },
      { outcome: 'lost' as const, runId: 'run-1' },
    ]) {
      await expect(
        runGalaxyRunTask(payload, attempt(1), async () => outcome, deps),
      ).rejects.toBeInstanceOf(RunHandOffError);
    }
    await expect(
      runGalaxyRunTask(
        payload,
        attempt(1),
        async () => ({ outcome: 'skipped', runId: 'run-1', reason: 'not_found' }),
        deps,
      ),
    ).resolves.toEqual({ runId: 'run-1', skipped: 'not_found' });
  });
});
