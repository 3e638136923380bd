import assert from 'node:assert/strict';
import type { CreateRunInput, GalaxyStore } from '../../store/types';
import { ALICE, adHoc, BOB, type Clock, content, type WithStore, zeroCounts } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

/** A run that ran and ended SUCCESS at the clock's time, with a node result, a log line and events. */
async function finishedRun(
  store: GalaxyStore,
  owner: string,
  input: Partial<CreateRunInput> = {},
): Promise<string> {
  const created = await store.createRun(owner, adHoc(input));
  assert.ok(created.ok);
  const runId = created.run.id;
  const claimed = await store.claimRun({ workerId: 'w', leaseMs: 60_000, runId });
  assert.ok(claimed);
  const progress = {
    nodeResults: [{ nodeId: 'a', status: 'SUCCESS' as const, attempts: 1 }],
    logs: [{ level: 'info' as const, message: 'done', at: 1 }],
    events: [
      { type: 'run:finish' as const, runId, at: 1, status: 'SUCCESS' as const, durationMs: 0 },
    ],
  };
  assert.ok(
    await store.finishRun(runId, 'w', {
      status: 'SUCCESS',
      error: null,
      counts: { ...zeroCounts, total: 1, success: 1 },
      durationMs: 0,
      progress,
    }),
  );
  return runId;
}

/** Asserts the run is gone with everything it had. */
async function assertGone(store: GalaxyStore, owner: string, runId: string): Promise<void> {
  assert.equal(await store.getRun(owner, runId), undefined);
  assert.equal(await store.getRunById(runId), undefined);
  assert.equal(await store.getRunDetail(owner, runId), undefined);
  assert.equal(await store.listRunLogs(owner, runId, { limit: 10 }), undefined);
  assert.deepEqual(await store.listRunEvents(runId, 0), []);
}

async function assertKept(store: GalaxyStore, owner: string, runId: string): Promise<void> {
  const detail = await store.getRunDetail(owner, runId);
  assert.ok(detail, `run ${runId} is kept`);
}

/** Retention and deletion: finished runs go with what they produced; active runs never do. */
export function retentionRules(withStore: WithStore): void {
  withStore(
    'pruning by age deletes finished runs that ended before the cutoff, never a queued or running one',
    async (store, clock: Clock) => {
      const key = { key: 'k', requestHash: 'h', ttlMs: 365 * DAY };
      const old = await finishedRun(store, ALICE, { idempotency: key });
      const queued = await store.createRun(ALICE, adHoc());
      const running = await store.createRun(BOB, adHoc());
      assert.ok(queued.ok && running.ok);
      assert.ok(await store.claimRun({ workerId: 'w', leaseMs: 365 * DAY, runId: running.run.id }));
      clock.ms += 10 * DAY;
      const recent = await finishedRun(store, BOB);
      clock.ms += DAY;

      assert.deepEqual(await store.pruneRuns({ olderThanMs: 5 * DAY }), { deleted: 1 });
      await assertGone(store, ALICE, old);
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined);
      await assertKept(store, BOB, recent);
      assert.equal((await store.getRun(ALICE, queued.run.id))?.status, 'QUEUED');
      assert.equal((await store.getRun(BOB, running.run.id))?.status, 'RUNNING');
      assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10 })).total, 1);

      // `now` moves the cutoff: everything finished is past it, still nothing active goes.
      assert.deepEqual(await store.pruneRuns({ olderThanMs: 0, now: clock.ms + 1 }), {
        deleted: 1,
      });
      await assertGone(store, BOB, recent);
      assert.equal((await store.getRun(ALICE, queued.run.id))?.status, 'QUEUED');
      assert.equal((await store.getRun(BOB, running.run.id))?.status, 'RUNNING');
      assert.deepEqual(await store.pruneRuns({}), { deleted: 0 }, 'no policy deletes nothing');
    },
  );

  withStore(
    'pruning by count keeps the newest finished runs of each workflow and owner',
    async (store, clock) => {
      const workflow = await store.createWorkflow(ALICE, content('W'));
      const saved = { workflowId: workflow.id, workflowVersion: 1, graph: null };
      const ofWorkflow: string[] = [];
      const adHocRuns: string[] = [];
      const bobs: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (const [list, owner, input] of [
          [ofWorkflow, ALICE, saved],
          [adHocRuns, ALICE, {}],
          [bobs, BOB, {}],
        ] as const) {
          list.push(await finishedRun(store, owner, input));
          clock.ms += 1000;
        }
      }
      // Newer than every finished run, and not counted among the kept ones.
      const queued = await store.createRun(ALICE, adHoc(saved));
      assert.ok(queued.ok);

      assert.deepEqual(await store.pruneRuns({ keepPerWorkflow: 2, limit: 1 }), { deleted: 1 });
      await assertGone(store, ALICE, ofWorkflow[0]!);
      assert.deepEqual(await store.pruneRuns({ keepPerWorkflow: 2 }), { deleted: 5 });
      for (const ids of [ofWorkflow, adHocRuns]) {
        for (const id of ids.slice(0, 2)) await assertGone(store, ALICE, id);
        for (const id of ids.slice(2)) await assertKept(store, ALICE, id);
      }
      for (const id of bobs.slice(0, 2)) await assertGone(store, BOB, id);
      for (const id of bobs.slice(2)) await assertKept(store, BOB, id);
      assert.equal((await store.getRun(ALICE, queued.run.id))?.status, 'QUEUED');
      assert.deepEqual(await store.pruneRuns({ keepPerWorkflow: 2 }), { deleted: 0 });
    },
  );

  withStore(
    'a finished run that a waiting run reuses is kept until that run ends',
    async (store, clock) => {
      const reused = await finishedRun(store, ALICE);
      const waiting = await store.createRun(ALICE, adHoc({ reuseRunId: reused }));
      assert.ok(waiting.ok);
      clock.ms += DAY;
      assert.deepEqual(await store.pruneRuns({ olderThanMs: 1 }), { deleted: 0 });
      await assertKept(store, ALICE, reused);
      await store.requestCancel(ALICE, waiting.run.id);
      assert.deepEqual(await store.pruneRuns({ olderThanMs: 1, now: clock.ms + DAY }), {
        deleted: 2,
      });
      await assertGone(store, ALICE, reused);
    },
  );

  withStore('an owner deletes a finished run; an active one stays', async (store) => {
    const done = await finishedRun(store, ALICE);
    const queued = await store.createRun(ALICE, adHoc());
    assert.ok(queued.ok);
    assert.deepEqual(await store.deleteRun(BOB, done), { ok: false, reason: 'not_found' });
    await assertKept(store, ALICE, done);
    const active = await store.deleteRun(ALICE, queued.run.id);
    assert.ok(!active.ok && active.reason === 'active');
    assert.equal(active.run.status, 'QUEUED');
    assert.deepEqual(await store.deleteRun(ALICE, done), { ok: true });
    await assertGone(store, ALICE, done);
    assert.deepEqual(await store.deleteRun(ALICE, done), { ok: false, reason: 'not_found' });
    assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10 })).total, 1);
  });
}
