import assert from 'node:assert/strict';
import { ALICE, adHoc, BOB, content, type WithStore } from './fixtures';

/** Runs as their owner and the queue see them: created, listed, read, abandoned. */
export function runRules(withStore: WithStore): void {
  withStore('runs are owner-scoped, newest first and filterable', async (store, clock) => {
    const workflow = await store.createWorkflow(ALICE, content('W'));
    const saved = await store.createRun(ALICE, {
      ...adHoc(),
      workflowId: workflow.id,
      workflowVersion: 1,
      graph: null,
    });
    clock.ms += 1000;
    const other = await store.createRun(ALICE, adHoc({ scope: 'PARTIAL', targetNodeIds: ['a'] }));
    clock.ms += 1000;
    await store.createRun(BOB, adHoc());
    assert.ok(saved.ok && other.ok);
    assert.equal(saved.run.status, 'QUEUED');
    assert.deepEqual(other.run.targetNodeIds, ['a']);
    const all = await store.listRuns(ALICE, { page: 1, limit: 10 });
    assert.deepEqual(
      all.items.map((r) => r.id),
      [other.run.id, saved.run.id],
    );
    assert.equal(all.total, 2);
    const byWorkflow = await store.listRuns(ALICE, { page: 1, limit: 10, workflowId: workflow.id });
    assert.deepEqual(
      byWorkflow.items.map((r) => r.id),
      [saved.run.id],
    );
    await store.requestCancel(ALICE, other.run.id);
    const canceled = await store.listRuns(ALICE, { page: 1, limit: 10, status: 'CANCELED' });
    assert.deepEqual(
      canceled.items.map((r) => r.id),
      [other.run.id],
    );
    assert.equal(canceled.total, 1);
    assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10, status: 'QUEUED' })).total, 1);
    assert.equal((await store.listRuns(BOB, { page: 1, limit: 10 })).total, 1);
    assert.equal(await store.getRun(BOB, saved.run.id), undefined);
    assert.equal(await store.getRunDetail(BOB, saved.run.id), undefined);
    const detail = await store.getRunDetail(ALICE, saved.run.id);
    assert.deepEqual(detail?.graph.nodes, workflow.nodes);
  });

  withStore("getRunById finds any owner's run for workers", async (store) => {
    const created = await store.createRun(BOB, adHoc());
    assert.ok(created.ok);
    assert.equal((await store.getRunById(created.run.id))?.ownerId, BOB);
    assert.equal(await store.getRunById('missing'), undefined);
  });

  withStore(
    'abandoning a queued run ends it FAILED and frees its idempotency key',
    async (store) => {
      const key = { key: 'k', requestHash: 'h', ttlMs: 60_000 };
      const created = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(created.ok);
      const runId = created.run.id;
      const error = { code: 'E_ENQUEUE_FAILED', message: 'The queue said no.', retryable: true };
      assert.equal(await store.abandonRun(runId, error), true);
      assert.equal(await store.abandonRun(runId, error), false, 'only a QUEUED run');
      const run = await store.getRun(ALICE, runId);
      assert.equal(run?.status, 'FAILED');
      assert.deepEqual(run?.error, error);
      assert.ok(run?.finishedAt);
      assert.deepEqual(
        (await store.listRunEvents(runId, 0)).map(
          (e) => e.event.type === 'run:finish' && [e.event.status, e.event.error?.code],
        ),
        [['FAILED', 'E_ENQUEUE_FAILED']],
      );
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined);
      const retried = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(retried.ok && !retried.replayed && retried.run.id !== runId);
      assert.equal(await store.claimRun({ workerId: 'w', leaseMs: 1000, runId }), undefined);
    },
  );
}
