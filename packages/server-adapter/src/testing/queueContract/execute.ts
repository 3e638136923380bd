import { expect } from 'vitest';
import type { RunEventRecord } from '../../store/types';
import type { QueueContractOptions } from './types';
import { ALICE, BOB, outcomes, PROMPTLY_MS, queueTest, within } from './world';

/** Executing: what a user sees of a run they started. */
export function executeRules(options: QueueContractOptions): void {
  queueTest(
    options,
    'an enqueued run executes and ends SUCCESS, its node results and events stored',
    async (w) => {
      const runId = await w.createRun([
        { id: 'a', text: 'hello ' },
        { id: 'b', text: 'world', after: 'a' },
      ]);
      await w.enqueue(runId);
      await w.work();
      expect(await w.ended(runId)).toBe('SUCCESS');
      const detail = await w.detail(runId);
      expect(outcomes(detail)).toEqual([
        ['a', 'SUCCESS', 'hello '],
        ['b', 'SUCCESS', 'hello world'],
      ]);
      expect(detail.run.counts).toEqual({
        total: 2,
        success: 2,
        failed: 0,
        skipped: 0,
        canceled: 0,
      });
      const events = await w.store.listRunEvents(runId, 0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]?.event.type).toBe('run:start');
      expect(events.at(-1)?.event).toMatchObject({ type: 'run:finish', status: 'SUCCESS' });
    },
  );

  queueTest(options, "every user's runs execute, none lost", async (w) => {
    const runs = [
      await w.createRun([{ id: 'a1' }], ALICE),
      await w.createRun([{ id: 'a2' }], ALICE),
      await w.createRun([{ id: 'a3' }], ALICE),
      await w.createRun([{ id: 'b1' }], BOB),
    ];
    const owners = [ALICE, ALICE, ALICE, BOB];
    for (const [i, runId] of runs.entries()) await w.enqueue(runId, owners[i]);
    await w.work();
    for (const [i, runId] of runs.entries())
      expect(await w.ended(runId, owners[i])).toBe('SUCCESS');
    expect(['a1', 'a2', 'a3', 'b1'].map((tag) => w.probe.runs(tag))).toEqual([1, 1, 1, 1]);
  });

  queueTest(options, 'a run enqueued twice executes once', async (w) => {
    const runId = await w.createRun([
      { id: 'h', kind: 'hold' },
      { id: 'b', after: 'h' },
    ]);
    // A retried POST, a redelivered message: the run is handed over more than once.
    await w.enqueue(runId);
    await w.enqueue(runId);
    const working = w.work();
    await within(PROMPTLY_MS, w.probe.started('h'), 'the held node starting');
    // Time for a second delivery to start the run again while the first still holds it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    w.probe.release('h');
    await working;
    expect(await w.ended(runId)).toBe('SUCCESS');
    const events = await w.store.listRunEvents(runId, 0);
    // Handed over again once it ended: nothing runs, nothing is written.
    await w.enqueue(runId);
    await w.work();
    expect([w.probe.runs('h'), w.probe.runs('b')]).toEqual([1, 1]);
    expect((await w.detail(runId)).run.status).toBe('SUCCESS');
    expect(await w.store.listRunEvents(runId, 0)).toEqual(events);
  });

  queueTest(
    options,
    'enqueue answers at once while the workers are busy (the API answers 202 without waiting)',
    async (w) => {
      const busy = await w.createRun([{ id: 'h', kind: 'hold' }]);
      await w.enqueue(busy);
      const working = w.work();
      await within(PROMPTLY_MS, w.probe.started('h'), 'the held node starting');
      const next = await w.createRun([{ id: 'n' }]);
      await within(PROMPTLY_MS, w.enqueue(next), 'enqueue');
      w.probe.release('h');
      await working;
      await w.work();
      expect(await w.ended(busy)).toBe('SUCCESS');
      expect(await w.ended(next)).toBe('SUCCESS');
    },
  );

  queueTest(
    options,
    'a queue with its own event bus publishes every stored event of a run there, in order',
    async (w, skip) => {
      const bus = w.queue.events;
      if (!bus) {
        skip();
        return;
      }
      const runId = await w.createRun([{ id: 'a' }, { id: 'b', after: 'a' }]);
      const heard: RunEventRecord[] = [];
      const stop = bus.subscribe(runId, (records) => heard.push(...records));
      try {
        await w.enqueue(runId);
        await w.work();
        expect(await w.ended(runId)).toBe('SUCCESS');
        const stored = await w.store.listRunEvents(runId, 0);
        expect(heard.map((r) => r.seq)).toEqual(stored.map((r) => r.seq));
        expect(heard.map((r) => r.event.type)).toEqual(stored.map((r) => r.event.type));
      } finally {
        stop();
      }
    },
  );
}
