import type { RunEvent } from '@galaxyflow/engine';
import { describe, expect, test, vi } from 'vitest';
import type { EventBus } from '../events';
import type { RunEventRecord } from '../store/types';

/** What an implementation hands the suite. */
export interface EventBusContractHarness {
  /** The bus under test. */
  bus: EventBus;
  /** Frees what `create` made. Default nothing. */
  close?: () => void | Promise<void>;
}

export interface EventBusContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /** Makes a fresh bus; called once per test. */
  create: () => EventBusContractHarness | Promise<EventBusContractHarness>;
}

/** How long the suite waits for a delivery: a bus across processes delivers asynchronously. */
const DELIVERY_MS = 2000;

function records(runId: string, from: number, count: number): RunEventRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    const event: RunEvent = { type: 'node:delta', runId, at: seq, nodeId: 'a', delta: `${seq};` };
    return { runId, seq, event };
  });
}

/** What one listener heard, with repeats dropped: a bus may repeat, and streams skip by `seq`. */
function listener() {
  const heard: RunEventRecord[] = [];
  const seen = new Set<string>();
  const listen = (batch: readonly RunEventRecord[]) => {
    for (const record of batch) {
      const key = `${record.runId}:${record.seq}`;
      if (seen.has(key)) continue;
      seen.add(key);
      heard.push(record);
    }
  };
  return { heard, listen, seqs: () => heard.map((r) => `${r.runId}:${r.seq}`) };
}

const delivered = (what: () => void) => vi.waitFor(what, { timeout: DELIVERY_MS, interval: 5 });

/**
 * What every `EventBus` guarantees on a healthy connection: each subscriber of a run hears its
 * records in the order they were published, only that run's, until it unsubscribes; and
 * publishing never throws, whatever a listener does. (A bus may still drop or repeat messages
 * under faults: SSE streams fill gaps from the store and skip repeats by `seq`.) Run it in a
 * Vitest file: `runEventBusContract({ name: 'Redis', create: () => ({ bus, close }) })`.
 */
export function runEventBusContract(options: EventBusContractOptions): void {
  function busTest(title: string, fn: (bus: EventBus) => Promise<void>) {
    test(title, async () => {
      const harness = await options.create();
      try {
        await fn(harness.bus);
      } finally {
        await harness.close?.();
      }
    });
  }

  describe(`EventBus contract: ${options.name}`, () => {
    busTest("a subscriber hears a run's records in the order they were published", async (bus) => {
      const one = listener();
      const stop = bus.subscribe('run-1', one.listen);
      const published = records('run-1', 1, 6);
      bus.publish('run-1', published.slice(0, 1));
      bus.publish('run-1', published.slice(1, 4));
      bus.publish('run-1', published.slice(4));
      await delivered(() => expect(one.heard).toHaveLength(6));
      expect(one.heard).toEqual(published);
      stop();
    });

    busTest('every subscriber of a run hears every record', async (bus) => {
      const all = [listener(), listener(), listener()];
      const stops = all.map((l) => bus.subscribe('run-1', l.listen));
      const published = records('run-1', 1, 3);
      bus.publish('run-1', published);
      for (const l of all) await delivered(() => expect(l.heard).toEqual(published));
      for (const stop of stops) stop();
    });

    busTest("a run's records reach only that run's subscribers", async (bus) => {
      const first = listener();
      const second = listener();
      const stops = [bus.subscribe('run-1', first.listen), bus.subscribe('run-2', second.listen)];
      bus.publish('run-1', records('run-1', 1, 2));
      bus.publish('run-2', records('run-2', 1, 1));
      await delivered(() => expect(second.seqs()).toEqual(['run-2:1']));
      await delivered(() => expect(first.seqs()).toEqual(['run-1:1', 'run-1:2']));
      // Published after run-1's, so delivered after them: nothing of run-2 reached run-1.
      bus.publish('run-1', records('run-1', 3, 1));
      await delivered(() => expect(first.seqs()).toEqual(['run-1:1', 'run-1:2', 'run-1:3']));
      expect(second.seqs()).toEqual(['run-2:1']);
      for (const stop of stops) stop();
    });

    busTest(
      'unsubscribing stops delivery to that listener only, even when called twice',
      async (bus) => {
        const leaving = listener();
        const staying = listener();
        const stopLeaving = bus.subscribe('run-1', leaving.listen);
        const stopStaying = bus.subscribe('run-1', staying.listen);
        bus.publish('run-1', records('run-1', 1, 1));
        await delivered(() => expect(leaving.heard).toHaveLength(1));
        stopLeaving();
        stopLeaving();
        bus.publish('run-1', records('run-1', 2, 2));
        await delivered(() => expect(staying.seqs()).toEqual(['run-1:1', 'run-1:2', 'run-1:3']));
        expect(leaving.seqs()).toEqual(['run-1:1']);
        stopStaying();
      },
    );

    busTest(
      'a listener may unsubscribe while it is being called; the others still hear',
      async (bus) => {
        // An SSE stream does this when it reads `run:finish`.
        const heardOnce: number[] = [];
        const other = listener();
        const stopSelf: { current?: () => void } = {};
        stopSelf.current = bus.subscribe('run-1', (batch) => {
          heardOnce.push(...batch.map((r) => r.seq));
          stopSelf.current?.();
        });
        const stopOther = bus.subscribe('run-1', other.listen);
        bus.publish('run-1', records('run-1', 1, 1));
        bus.publish('run-1', records('run-1', 2, 1));
        await delivered(() => expect(other.seqs()).toEqual(['run-1:1', 'run-1:2']));
        expect(heardOnce).toEqual([1]);
        stopOther();
      },
    );

    busTest('publish never throws, with no subscriber or with one that throws', async (bus) => {
      expect(() => bus.publish('nobody-listens', records('nobody-listens', 1, 1))).not.toThrow();
      const good = listener();
      const stopBad = bus.subscribe('run-1', () => {
        throw new Error('a broken listener');
      });
      const stopGood = bus.subscribe('run-1', good.listen);
      expect(() => bus.publish('run-1', records('run-1', 1, 1))).not.toThrow();
      expect(() => bus.publish('run-1', records('run-1', 2, 1))).not.toThrow();
      await delivered(() => expect(good.seqs()).toEqual(['run-1:1', 'run-1:2']));
      stopBad();
      stopGood();
    });
  });
}
