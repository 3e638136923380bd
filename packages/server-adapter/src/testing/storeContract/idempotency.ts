import assert from 'node:assert/strict';
import { ALICE, adHoc, BOB, type WithStore } from './fixtures';

/** Idempotency keys: a retried request replays its run until the key expires. */
export function idempotencyRules(withStore: WithStore): void {
  withStore(
    'an idempotency key replays its run, refuses another body and expires',
    async (store, clock) => {
      const key = { key: 'k-1', requestHash: 'h-1', ttlMs: 60_000 };
      const first = await store.createRun(ALICE, adHoc({ idempotency: key }));
      const again = await store.createRun(ALICE, adHoc({ idempotency: key }));
      assert.ok(first.ok && again.ok);
      assert.equal(first.replayed, false);
      assert.equal(again.replayed, true);
      assert.equal(again.run.id, first.run.id);
      const conflict = await store.createRun(
        ALICE,
        adHoc({ idempotency: { ...key, requestHash: 'h-2' } }),
      );
      assert.deepEqual(conflict, {
        ok: false,
        reason: 'idempotency_conflict',
        runId: first.run.id,
      });
      const bobs = await store.createRun(BOB, adHoc({ idempotency: key }));
      assert.ok(bobs.ok && !bobs.replayed && bobs.run.id !== first.run.id);
      clock.ms += 60_001;
      const expired = await store.createRun(
        ALICE,
        adHoc({ idempotency: { ...key, requestHash: 'h-2' } }),
      );
      assert.ok(expired.ok && !expired.replayed && expired.run.id !== first.run.id);
      assert.equal((await store.listRuns(ALICE, { page: 1, limit: 10 })).total, 2);
    },
  );

  withStore(
    'an idempotency key can be looked up before anything else, until it expires',
    async (store, clock) => {
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined);
      const created = await store.createRun(
        ALICE,
        adHoc({ idempotency: { key: 'k', requestHash: 'h', ttlMs: 1000 } }),
      );
      assert.ok(created.ok);
      assert.deepEqual(await store.getIdempotencyKey(ALICE, 'k'), {
        requestHash: 'h',
        runId: created.run.id,
      });
      assert.equal(await store.getIdempotencyKey(BOB, 'k'), undefined, 'keys are per owner');
      clock.ms += 1000;
      assert.equal(await store.getIdempotencyKey(ALICE, 'k'), undefined, 'expired');
    },
  );
}
