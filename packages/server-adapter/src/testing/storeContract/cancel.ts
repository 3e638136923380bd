import assert from 'node:assert/strict';
import { ALICE, adHoc, BOB, emptyResult, type WithStore, zeroCounts } from './fixtures';

/** Cancel: a queued run ends at once, a running one is flagged for its worker. */
export function cancelRules(withStore: WithStore): void {
  withStore(
    'cancel ends a queued run, flags a running one and refuses a finished one',
    async (store) => {
      const queued = await store.createRun(ALICE, adHoc());
      const running = await store.createRun(ALICE, adHoc());
      assert.ok(queued.ok && running.ok);
      assert.deepEqual(await store.requestCancel(BOB, queued.run.id), {
        ok: false,
        reason: 'not_found',
      });
      const canceled = await store.requestCancel(ALICE, queued.run.id);
      assert.ok(canceled.ok);
      assert.equal(canceled.run.status, 'CANCELED');
      assert.equal(canceled.run.error?.code, 'E_CANCELED');
      assert.ok(canceled.run.finishedAt);
      assert.ok((await store.requestCancel(ALICE, queued.run.id)).ok, 'canceling twice is fine');
      assert.ok(await store.claimRun({ workerId: 'w', leaseMs: 1000, runId: running.run.id }));
      const flagged = await store.requestCancel(ALICE, running.run.id);
      assert.ok(flagged.ok);
      assert.equal(flagged.run.status, 'RUNNING');
      assert.ok(flagged.run.cancelRequestedAt);
      await store.finishRun(running.run.id, 'w', {
        status: 'SUCCESS',
        error: null,
        counts: { total: 1, success: 1, failed: 0, skipped: 0, canceled: 0 },
        durationMs: 5,
      });
      const finished = await store.requestCancel(ALICE, running.run.id);
      assert.equal(finished.ok, false);
      assert.equal(!finished.ok && finished.reason, 'finished');
    },
  );

  withStore('canceling a queued run records its run:finish event once', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    await store.requestCancel(ALICE, runId);
    await store.requestCancel(ALICE, runId);
    const events = await store.listRunEvents(runId, 0);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.seq, 1);
    assert.deepEqual(
      events[0]?.event.type === 'run:finish' && [
        events[0].event.status,
        events[0].event.error?.code,
      ],
      ['CANCELED', 'E_CANCELED'],
    );
    assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000 }), undefined);
  });

  withStore(
    'canceling a run handed back mid-run ends its open nodes, counts and duration with it',
    async (store, clock) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      const startedMs = clock.ms;
      await store.claimRun({ workerId: 'a', leaseMs: 60_000, runId });
      await store.recordRunProgress(runId, 'a', {
        nodeResults: [
          { ...emptyResult, nodeId: 'a', status: 'SUCCESS', finishedAt: startedMs + 10 },
          { ...emptyResult, nodeId: 'b', status: 'RUNNING', startedAt: startedMs + 10 },
        ],
      });
      // A graceful stop hands the run back with node b still open.
      assert.ok(await store.releaseRun(runId, 'a'));
      clock.ms += 500;
      const canceled = await store.requestCancel(ALICE, runId);
      assert.ok(canceled.ok);
      assert.equal(canceled.run.status, 'CANCELED');
      assert.deepEqual(canceled.run.counts, { ...zeroCounts, total: 2, success: 1, canceled: 1 });
      assert.equal(canceled.run.durationMs, 500);
      assert.equal(canceled.run.error?.code, 'E_CANCELED');
      const detail = await store.getRunDetail(ALICE, runId);
      assert.deepEqual(detail?.run, canceled.run);
      assert.deepEqual(
        detail?.nodeResults.map((r) => [r.nodeId, r.status, r.error?.code ?? null]),
        [
          ['a', 'SUCCESS', null],
          ['b', 'CANCELED', 'E_CANCELED'],
        ],
      );
      const b = detail?.nodeResults[1];
      assert.equal(b?.finishedAt, clock.ms);
      assert.equal(b?.durationMs, 490);
      const events = await store.listRunEvents(runId, 0);
      assert.deepEqual(
        events.map((e) => e.event.type === 'run:finish' && [e.event.status, e.event.durationMs]),
        [['CANCELED', 500]],
      );
      assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000 }), undefined);
    },
  );
}
