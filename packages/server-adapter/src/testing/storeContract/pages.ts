import assert from 'node:assert/strict';
import type { CursorPage, GalaxyStore } from '../../store/types';
import { ALICE, adHoc, BOB, JAN_1, type WithStore } from './fixtures';

/** Reads every page after the first through `list`, as a reader of a long run does. */
async function rest<T>(
  first: CursorPage<T>,
  list: (after: string) => Promise<CursorPage<T> | undefined>,
): Promise<T[]> {
  const items = [...first.items];
  let next = first.next;
  while (next !== null) {
    const page = await list(next);
    assert.ok(page, 'a page of a run that exists');
    items.push(...page.items);
    next = page.next;
  }
  return items;
}

async function runWithItems(store: GalaxyStore, nodes: number, logs: number): Promise<string> {
  const created = await store.createRun(ALICE, adHoc());
  assert.ok(created.ok);
  const runId = created.run.id;
  for (let i = 0; i < nodes; i++) {
    await store.recordNodeResult(runId, {
      nodeId: `n${i}`,
      status: 'RUNNING',
      attempts: 1,
      startedAt: JAN_1 + i,
    });
  }
  await store.appendLogs(
    runId,
    Array.from({ length: logs }, (_, i) => ({
      level: 'info' as const,
      message: `line ${i}`,
      at: i,
    })),
  );
  return runId;
}

/** A run's node results and logs read a page at a time, so a large run never answers whole. */
export function pageRules(withStore: WithStore): void {
  withStore(
    'a run detail carries the first page of node results and logs and cursors to the rest',
    async (store) => {
      const runId = await runWithItems(store, 5, 7);
      // Rewriting a result keeps its place in the order.
      await store.recordNodeResult(runId, {
        nodeId: 'n1',
        status: 'SUCCESS',
        attempts: 1,
        startedAt: JAN_1 + 1,
        finishedAt: JAN_1 + 9,
      });
      const detail = await store.getRunDetail(ALICE, runId, { limit: 2 });
      assert.ok(detail);
      assert.deepEqual(
        detail.nodeResults.map((r) => [r.nodeId, r.status]),
        [
          ['n0', 'RUNNING'],
          ['n1', 'SUCCESS'],
        ],
      );
      assert.deepEqual(
        detail.logs.map((l) => l.message),
        ['line 0', 'line 1'],
      );
      assert.ok(detail.nodeResultsNext !== null && detail.logsNext !== null);

      const results = await rest(
        { items: detail.nodeResults, next: detail.nodeResultsNext },
        (after) => store.listRunNodeResults(ALICE, runId, { after, limit: 2 }),
      );
      assert.deepEqual(
        results.map((r) => r.nodeId),
        ['n0', 'n1', 'n2', 'n3', 'n4'],
      );
      const logs = await rest({ items: detail.logs, next: detail.logsNext }, (after) =>
        store.listRunLogs(ALICE, runId, { after, limit: 3 }),
      );
      assert.deepEqual(
        logs.map((l) => l.message),
        Array.from({ length: 7 }, (_, i) => `line ${i}`),
      );
      assert.equal(new Set(logs.map((l) => l.id)).size, 7);

      // An exact fit ends with a null cursor; asking past the end is an empty last page.
      const whole = await store.listRunNodeResults(ALICE, runId, { limit: 5 });
      assert.equal(whole?.items.length, 5);
      assert.equal(whole?.next, null);
      const all = await store.getRunDetail(ALICE, runId);
      assert.equal(all?.nodeResults.length, 5);
      assert.equal(all?.logs.length, 7);
      assert.equal(all?.nodeResultsNext, null);
      assert.equal(all?.logsNext, null);
    },
  );

  withStore('the pages of a run are scoped to its owner', async (store) => {
    const runId = await runWithItems(store, 1, 1);
    assert.equal(await store.listRunNodeResults(BOB, runId, { limit: 10 }), undefined);
    assert.equal(await store.listRunLogs(BOB, runId, { limit: 10 }), undefined);
    assert.equal(await store.listRunLogs(ALICE, 'missing', { limit: 10 }), undefined);
    assert.equal((await store.listRunLogs(ALICE, runId, { limit: 10 }))?.items.length, 1);
  });
}
