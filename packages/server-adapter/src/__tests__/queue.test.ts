import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../events';
import { executeRun } from '../executeRun';
import { createInProcessQueue, type InProcessQueue } from '../inProcessQueue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore, RunEventRecord } from '../store/types';
import {
  count,
  type Journal,
  scriptedRegistry,
  type StepSpec,
  stepGraph,
  stepNode,
} from './fixtures/scriptedNodes';
import { waitFor } from './fixtures/wait';

const ALICE = 'user-alice';
const BOB = 'user-bob';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

interface World {
  path: string;
  store: GalaxyStore;
  lines: string[];
  journal: Journal;
  queues: InProcessQueue[];
}

let world: World | undefined;
afterEach(async () => {
  if (!world) return;
  for (const queue of world.queues) await queue.stop({ deadlineMs: 0 });
  await world.store.close();
  world = undefined;
});

async function setup(): Promise<World> {
  const path = join(dir, `queue-${++files}.db`);
  const store = createSqliteStore({ path });
  await store.ensureUser(ALICE);
  await store.ensureUser(BOB);
  const lines: string[] = [];
  world = { path, store, lines, journal: (line) => lines.push(line), queues: [] };
  return world;
}

function queueFor(
  w: World,
  options: Partial<Parameters<typeof createInProcessQueue>[0]> = {},
): InProcessQueue {
  const queue = createInProcessQueue({
    store: w.store,
    registry: scriptedRegistry,
    context: { journal: w.journal },
    leaseMs: 1000,
    pollMs: 20,
    ...options,
  });
  w.queues.push(queue);
  return queue;
}

async function createRun(w: World, steps: StepSpec[], owner = ALICE): Promise<string> {
  const created = await w.store.createRun(owner, {
    workflowId: null,
    workflowVersion: null,
    graph: stepGraph(steps) as never,
    scope: 'FULL',
    targetNodeIds: null,
    reuseRunId: null,
  });
  if (!created.ok) throw new Error('run not created');
  return created.run.id;
}

async function finalRun(w: World, runId: string, owner = ALICE) {
  return waitFor(async () => {
    const run = await w.store.getRun(owner, runId);
    return run && run.status !== 'QUEUED' && run.status !== 'RUNNING' ? run : undefined;
  }, `run ${runId} to end`);
}

function expectWellFormed(events: readonly RunEventRecord[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.event.type === 'run:finish')).toHaveLength(1);
  expect(events.at(-1)?.event.type).toBe('run:finish');
}

describe('in-process queue', () => {
  it('runs queued runs to the end, storing and publishing every event in order', async () => {
    const w = await setup();
    const events = createMemoryEventBus();
    const ids = [
      await createRun(w, [
        { id: 'a', ms: 5, deltas: 3 },
        { id: 'b', after: 'a' },
      ]),
      await createRun(w, [{ id: 'a' }]),
      await createRun(w, [
        { id: 'a', ms: 10 },
        { id: 'b', after: 'a', ms: 5 },
      ]),
    ];
    const heard = new Map<string, number[]>();
    for (const id of ids) {
      events.subscribe(id, (records) => {
        heard.set(id, [...(heard.get(id) ?? []), ...records.map((r) => r.seq)]);
      });
    }
    const queue = queueFor(w, { events, concurrency: 2, maxRunsPerUser: 3 });
    await queue.start();
    for (const id of ids) expect((await finalRun(w, id)).status).toBe('SUCCESS');
    for (const id of ids) {
      const stored = await w.store.listRunEvents(id, 0);
      expectWellFormed(stored);
      expect(heard.get(id)).toEqual(stored.map((e) => e.seq));
    }
    const first = await w.store.getRunDetail(ALICE, ids[0]!);
    expect(first?.run.counts).toEqual({ total: 2, success: 2, failed: 0, skipped: 0, canceled: 0 });
    expect(first?.nodeResults.find((r) => r.nodeId === 'b')?.output).toEqual({ out: 'ab' });
    const deltas = (await w.store.listRunEvents(ids[0]!, 0)).filter(
      (e) => e.event.type === 'node:delta',
    );
    expect(deltas).toHaveLength(3);
    expect(count(w.lines, 'done', 'a')).toBe(3);
  });

  it('hands runs back when stop passes its deadline; the next worker resumes without repeating finished nodes', async () => {
    const w = await setup();
    const runId = await createRun(w, [
      { id: 'a' },
      { id: 'b', after: 'a', ms: 5_000 },
      { id: 'c', after: 'b' },
    ]);
    const first = queueFor(w);
    await first.start();
    await waitFor(() => w.lines.includes('start b 1'), 'b to start');
    const stopping = Date.now();
    await first.stop({ deadlineMs: 50 });
    expect(Date.now() - stopping).toBeLessThan(2000);
    const handedBack = await w.store.getRunDetail(ALICE, runId);
    expect(handedBack?.run.status).toBe('QUEUED');
    expect(handedBack?.nodeResults.map((r) => [r.nodeId, r.status])).toEqual([
      ['a', 'SUCCESS'],
      ['b', 'RUNNING'],
    ]);

    // The same graph, quick this time: only b and c may run.
    const second = queueFor(w);
    await second.start();
    // b sleeps 5 s; let the test end sooner by checking the resume, then canceling.
    await waitFor(
      () => w.lines.includes('start b 1') && count(w.lines, 'start', 'b') === 2,
      'b to restart',
    );
    expect(count(w.lines, 'start', 'a')).toBe(1);
    const resumed = await w.store.getRun(ALICE, runId);
    expect(resumed?.attempts).toBe(2);
    const log = await w.store.listRunEvents(runId, 0);
    expect(log.filter((e) => e.event.type === 'run:start')).toHaveLength(1);
    // The engine's own resume event, as a host calling runWorkflow with the snapshot sees it.
    expect(log.filter((e) => e.event.type === 'run:resume').map((e) => e.event)).toEqual([
      expect.objectContaining({ nodeIds: ['a', 'b', 'c'], keptNodeIds: ['a'] }),
    ]);
    // Finished nodes are not announced twice.
    expect(
      log.filter((e) => e.event.type === 'node:finish' && e.event.nodeId === 'a'),
    ).toHaveLength(1);
  });

  it('stop starts no new node, lets the node in flight finish and keeps its result for the next worker', async () => {
    const w = await setup();
    const runId = await createRun(w, [
      { id: 'a' },
      { id: 'b', after: 'a', ms: 300 },
      { id: 'c', after: 'b' },
      { id: 'd', after: 'c' },
    ]);
    const first = queueFor(w, { workerId: 'first' });
    await first.start();
    await waitFor(() => w.lines.includes('start b 1'), 'b to start');
    const atStop = w.lines.length;
    const stopping = Date.now();
    await first.stop({ deadlineMs: 5_000 });
    // b's executor ran to its end (about 300 ms), well before the deadline.
    expect(Date.now() - stopping).toBeLessThan(3_000);
    expect(w.lines.slice(atStop)).toEqual(['done b']);
    const handedBack = await w.store.getRunDetail(ALICE, runId);
    expect(handedBack?.run).toMatchObject({ status: 'QUEUED', attempts: 1, interruptions: 0 });
    expect(handedBack?.nodeResults.map((r) => [r.nodeId, r.status])).toEqual([
      ['a', 'SUCCESS'],
      ['b', 'SUCCESS'],
    ]);
    expect(handedBack?.nodeResults[1]?.output).toEqual({ out: 'ab' });
    const stored = await w.store.listRunEvents(runId, 0);
    expect(stored.filter((e) => e.event.type === 'node:start').map((e) => e.event)).toEqual([
      expect.objectContaining({ nodeId: 'a' }),
      expect.objectContaining({ nodeId: 'b' }),
    ]);

    const second = queueFor(w, { workerId: 'second' });
    await second.start();
    const run = await finalRun(w, runId);
    expect(run).toMatchObject({ status: 'SUCCESS', attempts: 2, interruptions: 0 });
    expect(['a', 'b', 'c', 'd'].map((id) => count(w.lines, 'start', id))).toEqual([1, 1, 1, 1]);
    const detail = await w.store.getRunDetail(ALICE, runId);
    expect(detail?.nodeResults.find((r) => r.nodeId === 'd')?.output).toEqual({ out: 'abcd' });
    expectWellFormed(await w.store.listRunEvents(runId, 0));
  });

  it('a run that finishes while the worker stops ends SUCCESS instead of being handed back', async () => {
    const w = await setup();
    const runId = await createRun(w, [{ id: 'a' }, { id: 'b', after: 'a', ms: 200 }]);
    const queue = queueFor(w);
    await queue.start();
    await waitFor(() => w.lines.includes('start b 1'), 'b to start');
    await queue.stop({ deadlineMs: 5_000 });
    const run = await w.store.getRun(ALICE, runId);
    expect(run).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expectWellFormed(await w.store.listRunEvents(runId, 0));
  });

  it('graceful stops, however many, do not count as interruptions', async () => {
    const w = await setup();
    const runId = await createRun(w, [
      { id: 'a', ms: 60 },
      { id: 'b', after: 'a', ms: 60 },
      { id: 'c', after: 'b', ms: 60 },
      { id: 'd', after: 'c', ms: 60 },
    ]);
    // Three deploys during the run, each handing it over with a graceful stop.
    for (const deploy of ['deploy-1', 'deploy-2', 'deploy-3']) {
      const queue = queueFor(w, { workerId: deploy, maxInterruptions: 1 });
      const before = w.lines.length;
      await queue.start();
      await waitFor(() => w.lines.length > before, `${deploy} to start a node`);
      await queue.stop({ deadlineMs: 5_000 });
    }
    await queueFor(w, { workerId: 'deploy-4', maxInterruptions: 1 }).start();
    const run = await finalRun(w, runId);
    expect(run).toMatchObject({ status: 'SUCCESS', attempts: 4, interruptions: 0, error: null });
    expect(['a', 'b', 'c', 'd'].map((id) => count(w.lines, 'done', id))).toEqual([1, 1, 1, 1]);
  });

  it('a resumed run finishes SUCCESS with the results of both attempts', async () => {
    const w = await setup();
    const runId = await createRun(w, [
      { id: 'a' },
      { id: 'b', after: 'a', ms: 300 },
      { id: 'c', after: 'b' },
    ]);
    const first = queueFor(w);
    await first.start();
    await waitFor(() => w.lines.includes('start b 1'), 'b to start');
    await first.stop({ deadlineMs: 0 });
    await queueFor(w).start();
    const run = await finalRun(w, runId);
    expect(run.status).toBe('SUCCESS');
    expect(run.counts).toEqual({ total: 3, success: 3, failed: 0, skipped: 0, canceled: 0 });
    expect([
      count(w.lines, 'done', 'a'),
      count(w.lines, 'done', 'b'),
      count(w.lines, 'done', 'c'),
    ]).toEqual([1, 1, 1]);
    const detail = await w.store.getRunDetail(ALICE, runId);
    expect(detail?.nodeResults.find((r) => r.nodeId === 'c')?.output).toEqual({ out: 'abc' });
    // Kept from the first attempt, not reused from another run: no `reused` flag.
    const kept = detail?.nodeResults.find((r) => r.nodeId === 'a');
    expect(kept).toMatchObject({ status: 'SUCCESS' });
    expect(kept).not.toHaveProperty('reused');
    expectWellFormed(await w.store.listRunEvents(runId, 0));
  });

  it('ends a run interrupted more than maxInterruptions times FAILED, leaving no node RUNNING', async () => {
    const w = await setup();
    let clock = Date.now();
    const store = createSqliteStore({ path: w.path, now: () => clock });
    const runId = await createRun(w, [
      { id: 'a', ms: 10_000 },
      { id: 'b', after: 'a' },
    ]);
    // Three workers claim it and vanish, one after another; the first recorded a node start.
    for (const ghost of ['ghost-1', 'ghost-2', 'ghost-3']) {
      expect(await store.claimRun({ workerId: ghost, leaseMs: 10, runId })).toBeTruthy();
      if (ghost === 'ghost-1') {
        await store.recordRunProgress(runId, ghost, {
          nodeResults: [{ nodeId: 'a', status: 'RUNNING', attempts: 1, startedAt: clock }],
        });
      }
      clock += 11;
    }
    await store.close();
    const queue = queueFor(w, { maxInterruptions: 2 });
    await queue.start();
    const run = await finalRun(w, runId);
    expect(run.status).toBe('FAILED');
    expect(run.attempts).toBe(4);
    expect(run.error?.code).toBe('E_RUN_INTERRUPTED');
    expect(run.error?.message).toMatch(/interrupted 3 times/);
    const detail = await w.store.getRunDetail(ALICE, runId);
    expect(detail?.nodeResults.map((r) => [r.nodeId, r.status, r.error?.code])).toEqual([
      ['a', 'FAILED', 'E_RUN_INTERRUPTED'],
    ]);
    expect(w.lines).toEqual([]);
    expectWellFormed(await w.store.listRunEvents(runId, 0));
  });

  it("keeps a user's extra runs QUEUED at the cap while other users' runs start", async () => {
    const w = await setup();
    const alice = [
      await createRun(w, [{ id: 'a', ms: 150 }]),
      await createRun(w, [{ id: 'a', ms: 150 }]),
      await createRun(w, [{ id: 'a', ms: 150 }]),
    ];
    const bob = await createRun(w, [{ id: 'a', ms: 150 }], BOB);
    const queue = queueFor(w, { concurrency: 4, maxRunsPerUser: 1 });
    let aliceMax = 0;
    let bobStartedWhileAliceWaited = false;
    const sampler = setInterval(() => {
      void (async () => {
        const running = await w.store.listRuns(ALICE, { page: 1, limit: 10, status: 'RUNNING' });
        const queued = await w.store.listRuns(ALICE, { page: 1, limit: 10, status: 'QUEUED' });
        aliceMax = Math.max(aliceMax, running.total);
        const bobRun = await w.store.getRun(BOB, bob);
        if (bobRun?.status !== 'QUEUED' && queued.total > 0) bobStartedWhileAliceWaited = true;
      })();
    }, 5);
    await queue.start();
    try {
      for (const id of alice) expect((await finalRun(w, id)).status).toBe('SUCCESS');
      expect((await finalRun(w, bob, BOB)).status).toBe('SUCCESS');
    } finally {
      clearInterval(sampler);
    }
    expect(aliceMax).toBe(1);
    expect(bobStartedWhileAliceWaited).toBe(true);
  });

  it("two users' long runs in every slot do not keep a third user's first run waiting", async () => {
    const w = await setup();
    const CAROL = 'user-carol';
    await w.store.ensureUser(CAROL);
    const long = [{ id: 'a', ms: 3_000 }];
    const held = [
      await createRun(w, long),
      await createRun(w, long),
      await createRun(w, long, BOB),
      await createRun(w, long, BOB),
    ];
    const queue = queueFor(w, { concurrency: 4, maxRunsPerUser: 2, pollMs: 20 });
    await queue.start();
    await waitFor(
      async () =>
        (await Promise.all(held.map((id) => w.store.getRunById(id)))).every(
          (r) => r?.status === 'RUNNING',
        ),
      'both users to fill every slot',
    );
    const queuedAt = Date.now();
    const carol = await createRun(w, [{ id: 'a' }], CAROL);
    await queue.enqueue(carol, { userId: CAROL });
    const run = await finalRun(w, carol, CAROL);
    expect(run.status).toBe('SUCCESS');
    expect(run.startedAt! - queuedAt).toBeLessThan(1_000);
    // The long runs still hold their slots: Carol's run did not wait for one to end.
    expect((await w.store.getRunById(held[0]!))?.status).toBe('RUNNING');
    await queue.stop({ deadlineMs: 0 });
  });

  it('a 2,000-node run leaves the event loop free: bounded writes, turns for everyone else', async () => {
    const w = await setup();
    const batches: number[] = [];
    const record = w.store.recordRunProgress.bind(w.store);
    w.store.recordRunProgress = (runId, workerId, progress) => {
      batches.push(
        (progress.nodeResults?.length ?? 0) +
          (progress.logs?.length ?? 0) +
          (progress.events?.length ?? 0),
      );
      return record(runId, workerId, progress);
    };
    const FAN = 1_999;
    const created = await w.store.createRun(ALICE, {
      workflowId: null,
      workflowVersion: null,
      graph: {
        nodes: [
          { id: 'src', type: 'text', data: { text: 'x' } },
          ...Array.from({ length: FAN }, (_, i) => ({ id: `d${i}`, type: 'debug', data: {} })),
        ],
        edges: Array.from({ length: FAN }, (_, i) => ({
          id: `e${i}`,
          source: 'src',
          sourceHandle: 'text',
          target: `d${i}`,
          targetHandle: 'value',
        })),
      },
      scope: 'FULL',
      targetNodeIds: null,
      reuseRunId: null,
    });
    assert(created.ok);
    // Counts turns of the event loop that come while the run is going: a request to the
    // server is answered in such a turn.
    let turns = 0;
    let started = false;
    const ticker = setInterval(() => {
      if (started) turns++;
    }, 0);
    const queue = queueFor(w, { pollMs: 10 });
    await queue.start();
    started = true;
    const run = await finalRun(w, created.run.id);
    clearInterval(ticker);
    expect(run.status).toBe('SUCCESS');
    expect(run.counts.success).toBe(FAN + 1);
    expect(Math.max(...batches)).toBeLessThanOrEqual(300);
    expect(turns).toBeGreaterThan(5);
  });

  it('stops a run at its time limit even when a node ignores its abort signal', async () => {
    const w = await setup();
    const runId = await createRun(w, [
      { id: 'a' },
      { id: 'hang', after: 'a', ms: 60_000, ignoreAbort: true },
    ]);
    const queue = queueFor(w, { runTimeoutMs: 300 });
    const started = Date.now();
    await queue.start();
    const run = await finalRun(w, runId);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({
      code: 'E_RUN_TIMEOUT',
      message: expect.stringMatching(/300 ms/),
    });
    const detail = await w.store.getRunDetail(ALICE, runId);
    expect(detail?.nodeResults.map((r) => [r.nodeId, r.status])).toEqual([
      ['a', 'SUCCESS'],
      ['hang', 'CANCELED'],
    ]);
    expect(queue.activeRuns()).toEqual([]);
  });

  it('a worker whose run was taken over stops and writes nothing more', async () => {
    const w = await setup();
    const runId = await createRun(w, [{ id: 'a', ms: 2_000, deltas: 200 }]);
    const queue = queueFor(w, { leaseMs: 5_000, heartbeatMs: 50 });
    await queue.start();
    await waitFor(async () => (await w.store.listRunEvents(runId, 0)).length > 3, 'some deltas');
    // Another worker takes the run (as if this one had stalled past its lease).
    const db = new Database(w.path);
    db.prepare("UPDATE runs SET lease_owner = 'thief' WHERE id = ?").run(runId);
    db.close();
    await waitFor(() => queue.activeRuns().length === 0, 'the worker to let go', 3000);
    const frozen = (await w.store.listRunEvents(runId, 0)).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await w.store.listRunEvents(runId, 0)).length).toBe(frozen);
    expect(count(w.lines, 'aborted', 'a')).toBe(1);
    expect((await w.store.getRun(ALICE, runId))?.status).toBe('RUNNING');
  });

  it('the scripted step fixture leaves no abort listener behind, however often it pauses', async () => {
    const controller = new AbortController();
    const emitted: string[] = [];
    await stepNode.run({
      nodeId: 'n',
      inputs: {},
      data: { ms: 0, failTimes: 0, deltas: 50, ignoreAbort: false, tag: '' },
      attempt: 1,
      signal: controller.signal,
      emit: (delta: string) => emitted.push(delta),
      log: () => {},
      context: {},
    } as never);
    expect(emitted).toHaveLength(50);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('executeRun skips a run it cannot claim and says why', async () => {
    const w = await setup();
    const runId = await createRun(w, [{ id: 'a' }]);
    const deps = { store: w.store, registry: scriptedRegistry };
    expect(await executeRun('missing', deps)).toEqual({
      outcome: 'skipped',
      runId: 'missing',
      reason: 'not_found',
    });
    expect(await executeRun(runId, deps)).toEqual({
      outcome: 'finished',
      runId,
      status: 'SUCCESS',
    });
    expect(await executeRun(runId, deps)).toEqual({
      outcome: 'skipped',
      runId,
      reason: 'finished',
    });
  });
});
