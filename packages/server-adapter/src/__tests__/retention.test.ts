import { afterEach, describe, expect, it } from 'vitest';
import { startRunRetention, type RunRetention } from '../retention';
import { createMemoryStore } from '../store/memoryStore';
import type { GalaxyStore } from '../store/types';
import { waitFor } from './fixtures/wait';

const DAY = 24 * 60 * 60 * 1000;
let retention: RunRetention | undefined;
afterEach(async () => {
  await retention?.stop();
  retention = undefined;
});

/** A store with `count` runs canceled while queued (finished) a day apart, and one still queued. */
async function storeWithRuns(clock: { ms: number }, count: number) {
  const store = createMemoryStore({ now: () => clock.ms });
  await store.ensureUser('u');
  const input = {
    workflowId: null,
    workflowVersion: null,
    graph: { nodes: [], edges: [] },
    scope: 'FULL' as const,
    targetNodeIds: null,
    reuseRunId: null,
  };
  for (let i = 0; i < count; i++) {
    const created = await store.createRun('u', input);
    if (created.ok) await store.requestCancel('u', created.run.id);
    clock.ms += DAY;
  }
  const queued = await store.createRun('u', input);
  return { store, queuedId: queued.ok ? queued.run.id : '' };
}

const total = async (store: GalaxyStore) =>
  (await store.listRuns('u', { page: 1, limit: 1 })).total;

describe('startRunRetention', () => {
  it('prunes at once and on each pass in batches, never the queued run, and reports what it deleted', async () => {
    const clock = { ms: Date.UTC(2025, 0, 1) };
    const { store, queuedId } = await storeWithRuns(clock, 7);
    const lines: Record<string, unknown>[] = [];
    const logger = {
      info: (details: Record<string, unknown>) => lines.push(details),
      error: (details: Record<string, unknown>) => lines.push(details),
    };
    retention = startRunRetention({
      store,
      olderThanMs: 3 * DAY,
      batchSize: 2,
      now: () => clock.ms,
      logger,
    });
    // The first pass starts at once: runs that ended 4 or more days ago go.
    await waitFor(() => lines.length > 0, 'the first pass');
    expect(await total(store)).toBe(4);
    expect(lines).toEqual([{ deleted: 4, olderThanMs: 3 * DAY }]);
    clock.ms += 2 * DAY;
    expect(await retention.runOnce()).toBe(2);
    expect(await total(store)).toBe(2);
    clock.ms += 365 * DAY;
    expect(await retention.runOnce()).toBe(1);
    expect((await store.getRun('u', queuedId))?.status).toBe('QUEUED');
  });

  it('logs a failed pass and keeps the timer going', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    retention = startRunRetention({
      store: {
        async pruneRuns() {
          calls += 1;
          if (calls === 1) throw new Error('database is locked');
          return { deleted: 0 };
        },
      },
      keepPerWorkflow: 10,
      intervalMs: 5,
      logger: { info() {}, error: (details) => errors.push(details.err) },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([expect.objectContaining({ message: 'database is locked' })]);
    expect(calls).toBeGreaterThan(1);
  });

  it('refuses a policy that would keep everything or delete every run', () => {
    const store = createMemoryStore();
    expect(() => startRunRetention({ store })).toThrow(/set `olderThanMs`, `keepPerWorkflow`/);
    expect(() => startRunRetention({ store, keepPerWorkflow: 0 })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION' }),
    );
    expect(() => startRunRetention({ store, olderThanMs: -1 })).toThrow(/olderThanMs/);
  });
});
