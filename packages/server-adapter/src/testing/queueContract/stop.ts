import { expect, vi } from 'vitest';
import type { QueueContractOptions } from './types';
import { outcomes, PROMPTLY_MS, queueTest, within } from './world';

/** Stopping: a deploy or a scale-down while runs are in flight. */
export function stopRules(options: QueueContractOptions): void {
  queueTest(options, 'an idle queue starts and stops promptly, and stops twice', async (w) => {
    await within(PROMPTLY_MS, w.work(), 'starting an idle queue');
    await within(PROMPTLY_MS, w.queue.stop(), 'stopping an idle queue');
    await within(PROMPTLY_MS, w.queue.stop(), 'stopping it again');
  });

  queueTest(
    options,
    'stop lets the node in flight finish and keeps its result: a run at its last node ends SUCCESS',
    async (w) => {
      const runId = await w.createRun([
        { id: 'a', text: 'one ' },
        { id: 'h', kind: 'hold', text: 'two', after: 'a' },
      ]);
      await w.enqueue(runId);
      const working = w.work();
      await within(PROMPTLY_MS, w.probe.started('h'), 'the held node starting');
      const stopping = w.queue.stop({ deadlineMs: 30_000 });
      w.probe.release('h');
      await within(PROMPTLY_MS, stopping, 'stop, once the node in flight finished');
      await working;
      expect(await w.ended(runId)).toBe('SUCCESS');
      expect(outcomes(await w.detail(runId))).toEqual([
        ['a', 'SUCCESS', 'one '],
        ['h', 'SUCCESS', 'one two'],
      ]);
      expect(w.probe.runs('h')).toBe(1);
    },
  );

  queueTest(
    options,
    'stop returns by its deadline when a node never finishes, leaving the run to resume rather than ending it',
    async (w) => {
      const runId = await w.createRun([
        { id: 'a', text: 'kept' },
        { id: 'h', kind: 'hold', after: 'a' },
      ]);
      await w.enqueue(runId);
      void w.work();
      await within(PROMPTLY_MS, w.probe.started('h'), 'the held node starting');
      await within(PROMPTLY_MS, w.queue.stop({ deadlineMs: 100 }), 'stop past its deadline');
      // Handed back QUEUED for the next worker, or still RUNNING in a worker the queue does
      // not own (a job system's); never ended by the stop.
      expect(['QUEUED', 'RUNNING']).toContain((await w.detail(runId)).run.status);
      // Results are written a moment after the node ends; a finished one is never lost.
      await vi.waitFor(
        async () => expect(outcomes(await w.detail(runId))[0]).toEqual(['a', 'SUCCESS', 'kept']),
        { timeout: PROMPTLY_MS },
      );
    },
  );
}
