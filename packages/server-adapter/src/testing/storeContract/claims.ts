import assert from 'node:assert/strict';
import { ALICE, adHoc, BOB, emptyResult, type WithStore, zeroCounts } from './fixtures';

/** Claims and leases: one holder per run, expired leases taken over, hand-overs, per-owner caps. */
export function claimRules(withStore: WithStore): void {
  withStore('counts the runs waiting for a worker, whoever owns them', async (store) => {
    if (!store.countQueuedRuns) return;
    assert.equal(await store.countQueuedRuns(), 0);
    const first = await store.createRun(ALICE, adHoc());
    const second = await store.createRun(BOB, adHoc());
    assert.ok(first.ok && second.ok);
    assert.equal(await store.countQueuedRuns(), 2);
    assert.ok(await store.claimRun({ workerId: 'a', leaseMs: 1000, runId: first.run.id }));
    assert.equal(await store.countQueuedRuns(), 1, 'a claimed run no longer waits');
    assert.ok((await store.requestCancel(BOB, second.run.id)).ok);
    assert.equal(await store.countQueuedRuns(), 0, 'a canceled run no longer waits');
  });

  withStore('a run has one lease holder; expired leases are taken over', async (store, clock) => {
    const older = await store.createRun(ALICE, adHoc());
    clock.ms += 10;
    const newer = await store.createRun(ALICE, adHoc());
    assert.ok(older.ok && newer.ok);
    const a = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
    assert.equal(a?.run.id, older.run.id, 'the oldest queued run goes first');
    assert.equal(a?.run.status, 'RUNNING');
    assert.equal(a?.run.attempts, 1);
    assert.equal(a?.leaseExpiresAt, clock.ms + 1000);
    const [b, c] = await Promise.all([
      store.claimRun({ workerId: 'b', leaseMs: 1000 }),
      store.claimRun({ workerId: 'c', leaseMs: 1000 }),
    ]);
    assert.deepEqual([b?.run.id, c?.run.id].filter(Boolean), [newer.run.id], 'one claim wins');
    assert.equal(await store.claimRun({ workerId: 'd', leaseMs: 1000 }), undefined);
    assert.equal(await store.renewLease(older.run.id, 'intruder', 1000), false);
    clock.ms += 500;
    assert.equal(await store.renewLease(older.run.id, 'a', 1000), true);
    clock.ms += 1001;
    const takeover = await store.claimRun({ workerId: 'e', leaseMs: 1000 });
    assert.equal(takeover?.run.id, newer.run.id, 'the lease that expired first is taken first');
    assert.equal(takeover?.run.attempts, 2);
    assert.equal(takeover?.run.interruptions, 1, 'taking over an expired lease is an interruption');
    const staleHolder = b ? 'b' : 'c';
    const finishedByStale = await store.finishRun(newer.run.id, staleHolder, {
      status: 'SUCCESS',
      error: null,
      counts: { total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 },
      durationMs: 1,
    });
    assert.equal(finishedByStale, false, 'a worker that lost its lease cannot finish the run');
    assert.equal(
      await store.finishRun(newer.run.id, 'e', {
        status: 'PARTIAL',
        error: { code: 'E_NODE_FAILED', message: 'x', retryable: false },
        counts: { total: 2, success: 1, failed: 1, skipped: 0, canceled: 0 },
        durationMs: 7,
      }),
      true,
    );
    const ended = await store.getRun(ALICE, newer.run.id);
    assert.equal(ended?.status, 'PARTIAL');
    assert.equal(ended?.durationMs, 7);
    assert.equal(ended?.counts.failed, 1);
    assert.equal(ended?.error?.code, 'E_NODE_FAILED');
  });

  withStore(
    'the worker that claims a run gets the traceparent it was created with',
    async (store, clock) => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const traced = await store.createRun(ALICE, { ...adHoc(), traceparent });
      clock.ms += 10;
      const untraced = await store.createRun(ALICE, adHoc());
      assert.ok(traced.ok && untraced.ok);
      const first = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
      assert.equal(first?.run.id, traced.run.id);
      assert.equal(first?.traceparent, traceparent);
      const second = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
      assert.equal(second?.run.id, untraced.run.id);
      assert.equal(second?.traceparent ?? null, null, 'a run made without one continues no trace');
    },
  );

  withStore(
    'the worker that claims a run gets the Input values it was created with, again after a release',
    async (store, clock) => {
      const inputs = { topic: 'owls', limits: { words: 12, tags: ['a', 'ü'] }, none: null };
      const given = await store.createRun(ALICE, { ...adHoc(), inputs });
      clock.ms += 10;
      const plain = await store.createRun(ALICE, adHoc());
      assert.ok(given.ok && plain.ok);
      const first = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
      assert.equal(first?.run.id, given.run.id);
      assert.deepEqual(first?.inputs, inputs);
      // A run released by a draining worker is resumed by another with the same values.
      assert.equal(await store.releaseRun(given.run.id, 'a'), true);
      const again = await store.claimRun({ workerId: 'b', leaseMs: 1000, runId: given.run.id });
      assert.deepEqual(again?.inputs, inputs);
      const second = await store.claimRun({ workerId: 'a', leaseMs: 1000 });
      assert.equal(second?.run.id, plain.run.id);
      assert.equal(second?.inputs ?? null, null, 'a run made without inputs has none');
    },
  );

  withStore('a released run is queued again and the next claim resumes it', async (store) => {
    const created = await store.createRun(ALICE, adHoc());
    assert.ok(created.ok);
    const runId = created.run.id;
    await store.claimRun({ workerId: 'a', leaseMs: 60_000, runId });
    await store.recordRunProgress(runId, 'a', {
      nodeResults: [{ ...emptyResult, nodeId: 'a', status: 'SUCCESS', hash: 'h' }],
    });
    assert.equal(await store.releaseRun(runId, 'b'), false, 'only the holder releases');
    assert.equal(await store.releaseRun(runId, 'a'), true);
    assert.equal(await store.releaseRun(runId, 'a'), false);
    assert.equal((await store.getRun(ALICE, runId))?.status, 'QUEUED');
    assert.equal(await store.renewLease(runId, 'a', 1000), false, 'the lease is gone');
    const resumed = await store.claimRun({ workerId: 'b', leaseMs: 1000 });
    assert.equal(resumed?.run.id, runId);
    assert.equal(resumed?.run.attempts, 2);
    assert.equal(resumed?.run.interruptions, 0, 'a graceful hand-over is no interruption');
    const detail = await store.getRunDetail(ALICE, runId);
    assert.deepEqual(
      detail?.nodeResults.map((r) => [r.nodeId, r.status, r.hash]),
      [['a', 'SUCCESS', 'h']],
    );
  });

  withStore(
    'only takeovers of expired leases count as interruptions, however often a run is handed back',
    async (store, clock) => {
      const created = await store.createRun(ALICE, adHoc());
      assert.ok(created.ok);
      const runId = created.run.id;
      assert.equal(created.run.interruptions, 0);
      // Three deploys: each worker hands the run back cleanly.
      for (const worker of ['deploy-1', 'deploy-2', 'deploy-3']) {
        assert.ok(await store.claimRun({ workerId: worker, leaseMs: 1000, runId }));
        assert.ok(await store.releaseRun(runId, worker));
      }
      assert.equal((await store.getRunById(runId))?.interruptions, 0);
      // A crash: the lease runs out and the next claim takes the run over.
      assert.ok(await store.claimRun({ workerId: 'crashes', leaseMs: 1000, runId }));
      clock.ms += 1001;
      const takeover = await store.claimRun({ workerId: 'survivor', leaseMs: 1000 });
      assert.equal(takeover?.run.id, runId);
      assert.deepEqual([takeover?.run.attempts, takeover?.run.interruptions], [5, 1]);
      assert.equal((await store.getRun(ALICE, runId))?.interruptions, 1);
    },
  );

  withStore(
    'claims are fair across owners: the owner with the fewest running runs goes first',
    async (store, clock) => {
      const queue = async (owner: string) => {
        clock.ms += 10;
        const created = await store.createRun(owner, adHoc());
        assert.ok(created.ok);
        return created.run.id;
      };
      const alice1 = await queue(ALICE);
      const alice2 = await queue(ALICE);
      const alice3 = await queue(ALICE);
      const bob1 = await queue(BOB);
      const claim = async (workerId: string) =>
        (await store.claimRun({ workerId, leaseMs: 60_000 }))?.run.id;
      assert.equal(await claim('w1'), alice1, 'nobody runs anything: the oldest run goes');
      assert.equal(
        await claim('w2'),
        bob1,
        "Bob has nothing running: he goes before Alice's second run",
      );
      assert.equal(await claim('w3'), alice2, 'one each: the longest waiting goes');
      await store.ensureUser('user-carol');
      const carol1 = await queue('user-carol');
      assert.equal(
        await claim('w4'),
        carol1,
        "Carol has nothing running: her new run goes before Alice's third",
      );
      assert.equal(await claim('w5'), alice3);
      assert.equal(await claim('w6'), undefined);
    },
  );

  withStore(
    'the per-owner cap passes over owners at their cap but resumes expired leases',
    async (store, clock) => {
      const ids: string[] = [];
      for (const owner of [ALICE, ALICE, ALICE, BOB]) {
        clock.ms += 10;
        const created = await store.createRun(owner, adHoc());
        assert.ok(created.ok);
        ids.push(created.run.id);
      }
      const cap = { leaseMs: 1000, maxRunningPerOwner: 1 };
      assert.equal((await store.claimRun({ workerId: 'w1', ...cap }))?.run.id, ids[0]);
      clock.ms += 100;
      assert.equal(
        (await store.claimRun({ workerId: 'w2', ...cap }))?.run.id,
        ids[3],
        "Alice is at her cap: Bob's newer run goes first",
      );
      assert.equal(await store.claimRun({ workerId: 'w3', ...cap }), undefined);
      assert.equal(
        (await store.claimRun({ workerId: 'w3', leaseMs: 1000 }))?.run.id,
        ids[1],
        'without a cap the oldest queued run goes',
      );
      clock.ms += 901;
      assert.equal(
        (await store.claimRun({ workerId: 'w4', ...cap }))?.run.id,
        ids[0],
        'an expired lease is resumed whatever the cap',
      );
      await store.finishRun(ids[0]!, 'w4', {
        status: 'SUCCESS',
        error: null,
        counts: zeroCounts,
        durationMs: 1,
      });
      await store.renewLease(ids[1]!, 'w3', 1000);
      await store.renewLease(ids[3]!, 'w2', 1000);
      assert.equal(await store.claimRun({ workerId: 'w5', ...cap }), undefined, 'Alice: 1 running');
      assert.equal(
        (await store.claimRun({ workerId: 'w5', leaseMs: 1000, maxRunningPerOwner: 2 }))?.run.id,
        ids[2],
      );
    },
  );
}
