import type { CircuitChange, CircuitSync } from '@galaxyflow/engine';
import { describe, expect, test, vi } from 'vitest';

/** Two processes' syncs on one shared backend, as an implementation hands them to the suite. */
export interface CircuitSyncContractHarness {
  /** One process's sync. */
  a: CircuitSync;
  /** Another process's sync, on the same backend as `a`. */
  b: CircuitSync;
  /** Makes a third process's sync on the same backend, for a process that starts late. */
  join(): CircuitSync | Promise<CircuitSync>;
  /** Frees what `create` and `join` made. Default nothing. */
  close?: () => void | Promise<void>;
}

export interface CircuitSyncContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /** Makes fresh syncs sharing no state with earlier tests, ready to hear each other. */
  create: () => CircuitSyncContractHarness | Promise<CircuitSyncContractHarness>;
}

/** How long the suite waits for a change to cross: a shared backend delivers asynchronously. */
const DELIVERY_MS = 2000;

function listener() {
  const heard: [string, CircuitChange][] = [];
  return { heard, listen: (name: string, change: CircuitChange) => heard.push([name, change]) };
}

const crossed = (what: () => void) => vi.waitFor(what, { timeout: DELIVERY_MS, interval: 5 });

/**
 * What every `CircuitSync` (the engine's seam for sharing provider circuit breakers between
 * processes) guarantees on a healthy backend: a change one process publishes reaches the
 * others' listeners of that name, never its own; an open breaker carries what is left of its
 * cool-down, also to a process that subscribes later; and publishing never throws. Run it in a
 * Vitest file: `runCircuitSyncContract({ name: 'Redis', create: () => ({ a, b, join, close }) })`.
 */
export function runCircuitSyncContract(options: CircuitSyncContractOptions): void {
  function syncTest(title: string, fn: (harness: CircuitSyncContractHarness) => Promise<void>) {
    test(title, async () => {
      const harness = await options.create();
      try {
        await fn(harness);
      } finally {
        await harness.close?.();
      }
    });
  }

  describe(`CircuitSync contract: ${options.name}`, () => {
    syncTest('another process hears a breaker open, then close', async ({ a, b }) => {
      const other = listener();
      const own = listener();
      const stopOther = b.subscribe(['local', 'backup'], other.listen);
      const stopOwn = a.subscribe(['local', 'backup'], own.listen);
      a.publish('local', { state: 'open', retryAfterMs: 30_000 });
      await crossed(() => expect(other.heard).toHaveLength(1));
      const [name, change] = other.heard[0]!;
      expect(name).toBe('local');
      expect(change.state).toBe('open');
      const left = change.state === 'open' ? change.retryAfterMs : 0;
      expect(left).toBeGreaterThan(25_000);
      expect(left).toBeLessThanOrEqual(30_000);
      a.publish('local', { state: 'closed' });
      await crossed(() => expect(other.heard.at(-1)).toEqual(['local', { state: 'closed' }]));
      // The publisher's own listener heard neither: it made the change itself.
      expect(own.heard).toEqual([]);
      stopOther();
      stopOwn();
    });

    syncTest('a listener hears only the names it subscribed to', async ({ a, b }) => {
      const some = listener();
      const all = listener();
      const stopSome = b.subscribe(['backup'], some.listen);
      const stopAll = b.subscribe(['local', 'backup'], all.listen);
      a.publish('local', { state: 'open', retryAfterMs: 10_000 });
      a.publish('backup', { state: 'open', retryAfterMs: 10_000 });
      await crossed(() => expect(all.heard.map(([name]) => name)).toEqual(['local', 'backup']));
      expect(some.heard.map(([name]) => name)).toEqual(['backup']);
      stopSome();
      stopAll();
    });

    syncTest(
      'a process that subscribes later hears the breakers open now, and not the closed ones',
      async ({ a, join }) => {
        a.publish('local', { state: 'open', retryAfterMs: 20_000 });
        a.publish('backup', { state: 'open', retryAfterMs: 20_000 });
        a.publish('backup', { state: 'closed' });
        // Give the changes time to land before the newcomer looks.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const late = await join();
        const newcomer = listener();
        const stop = late.subscribe(['local', 'backup'], newcomer.listen);
        await crossed(() => expect(newcomer.heard).toHaveLength(1));
        const [name, change] = newcomer.heard[0]!;
        expect(name).toBe('local');
        expect(change.state === 'open' && change.retryAfterMs).toBeGreaterThan(15_000);
        stop();
      },
    );

    syncTest('unsubscribing stops delivery to that listener only', async ({ a, b }) => {
      const leaving = listener();
      const staying = listener();
      const stopLeaving = b.subscribe(['local'], leaving.listen);
      const stopStaying = b.subscribe(['local'], staying.listen);
      stopLeaving();
      stopLeaving();
      a.publish('local', { state: 'open', retryAfterMs: 5_000 });
      await crossed(() => expect(staying.heard).toHaveLength(1));
      expect(leaving.heard).toEqual([]);
      stopStaying();
    });

    syncTest('publishing never throws, with or without listeners', async ({ a, b }) => {
      expect(() => a.publish('nobody', { state: 'open', retryAfterMs: 1_000 })).not.toThrow();
      const stop = b.subscribe(['local'], () => {
        throw new Error('a broken listener');
      });
      const good = listener();
      const stopGood = b.subscribe(['local'], good.listen);
      expect(() => a.publish('local', { state: 'open', retryAfterMs: 1_000 })).not.toThrow();
      await crossed(() => expect(good.heard).toHaveLength(1));
      stop();
      stopGood();
    });
  });
}
