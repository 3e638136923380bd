import { expect } from 'vitest';
import type { QueueContractOptions } from './types';
import { outcomes, PROMPTLY_MS, queueTest, within } from './world';

/** Canceling: the user's Cancel button, whatever state the run is in. */
export function cancelRules(options: QueueContractOptions): void {
  queueTest(
    options,
    'a run canceled while QUEUED ends CANCELED and none of its nodes ever runs',
    async (w) => {
      const runId = await w.createRun([{ id: 'a' }, { id: 'b', after: 'a' }]);
      await w.enqueue(runId);
      await w.cancel(runId);
      expect((await w.detail(runId)).run.status).toBe('CANCELED');
      // The queue still holds the job: when a worker gets to it, it must leave the run alone.
      await w.work();
      const detail = await w.detail(runId);
      expect(detail.run.status).toBe('CANCELED');
      expect([w.probe.runs('a'), w.probe.runs('b')]).toEqual([0, 0]);
      expect(detail.nodeResults.filter((r) => r.status === 'SUCCESS')).toEqual([]);
    },
  );

  queueTest(
    options,
    'a running run canceled stops promptly, ends CANCELED and keeps what finished',
    async (w) => {
      const runId = await w.createRun([
        { id: 'a', text: 'kept' },
        { id: 'h', kind: 'hold', after: 'a' },
      ]);
      await w.enqueue(runId);
      const working = w.work();
      await within(PROMPTLY_MS, w.probe.started('h'), 'the held node starting');
      await w.cancel(runId);
      // Only the queue's cancel can stop it this fast: the held node never ends by itself.
      await within(PROMPTLY_MS, working, 'the canceled run stopping');
      expect(await w.ended(runId)).toBe('CANCELED');
      const detail = await w.detail(runId);
      expect(outcomes(detail)).toEqual([
        ['a', 'SUCCESS', 'kept'],
        ['h', 'CANCELED', undefined],
      ]);
      const events = await w.store.listRunEvents(runId, 0);
      expect(events.at(-1)?.event).toMatchObject({ type: 'run:finish', status: 'CANCELED' });
    },
  );

  queueTest(
    options,
    'cancel of a run that already ended, or that does not exist, resolves and changes nothing',
    async (w) => {
      const runId = await w.createRun([{ id: 'a' }]);
      await w.enqueue(runId);
      await w.work();
      expect(await w.ended(runId)).toBe('SUCCESS');
      const before = await w.detail(runId);
      // The run can end between the store's cancel request and the queue's call.
      await w.queue.cancel(runId);
      await w.queue.cancel('no-such-run');
      await w.work();
      expect(await w.detail(runId)).toEqual(before);
    },
  );
}
