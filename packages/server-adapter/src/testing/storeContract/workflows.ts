import assert from 'node:assert/strict';
import { ALICE, adHoc, BOB, content, type WithStore } from './fixtures';

/** Saved workflows: owner-scoped, listed newest first with their runs, handed out as copies. */
export function workflowRules(withStore: WithStore): void {
  withStore(
    'a created workflow is version 1 with a snapshot, visible to its owner only',
    async (store) => {
      const created = await store.createWorkflow(ALICE, content('Summarize', { tags: ['news'] }));
      assert.equal(created.version, 1);
      assert.equal(created.ownerId, ALICE);
      assert.deepEqual(await store.getWorkflow(ALICE, created.id), created);
      assert.equal(await store.getWorkflow(BOB, created.id), undefined);
      const snapshot = await store.getWorkflowVersion(ALICE, created.id, 1);
      assert.equal(snapshot?.name, 'Summarize');
      assert.deepEqual(snapshot?.tags, ['news']);
      assert.equal(await store.getWorkflowVersion(BOB, created.id, 1), undefined);
    },
  );

  withStore(
    'timestamps are epoch ms; settings are absent when none, kept when given, replaced by a save',
    async (store, clock) => {
      const plain = await store.createWorkflow(ALICE, content('Plain'));
      assert.equal(plain.createdAt, clock.ms);
      assert.equal(plain.updatedAt, clock.ms);
      assert.equal('settings' in plain, false, 'no settings is no key, not null');
      const plainSnapshot = await store.getWorkflowVersion(ALICE, plain.id, 1);
      assert.equal(plainSnapshot?.createdAt, clock.ms);
      assert.equal(plainSnapshot && 'settings' in plainSnapshot, false);

      const settings = { failureMode: 'fail_safe' as const, concurrency: 2 };
      const tuned = await store.createWorkflow(ALICE, content('Tuned', { settings }));
      assert.deepEqual((await store.getWorkflow(ALICE, tuned.id))?.settings, settings);
      clock.ms += 1000;
      const renamed = await store.updateWorkflow(ALICE, tuned.id, { name: 'Renamed' }, 1);
      assert.ok(renamed.ok);
      assert.deepEqual(renamed.workflow.settings, settings, 'a save without settings keeps them');
      assert.equal(renamed.workflow.updatedAt, clock.ms);
      assert.equal(renamed.workflow.createdAt, clock.ms - 1000);
      const cleared = await store.updateWorkflow(ALICE, tuned.id, { settings: {} }, 2);
      assert.ok(cleared.ok);
      assert.deepEqual(cleared.workflow.settings, {}, 'an update clears settings with {}');
      assert.deepEqual((await store.getWorkflowVersion(ALICE, tuned.id, 2))?.settings, settings);
      assert.deepEqual((await store.getWorkflowVersion(ALICE, tuned.id, 3))?.settings, {});
    },
  );

  withStore(
    'lists are newest first, paginated, searchable and skip deleted workflows',
    async (store, clock) => {
      const ids: string[] = [];
      for (const name of ['Alpha', 'Beta 50%', 'Gamma', 'Delta']) {
        clock.ms += 1000;
        ids.push((await store.createWorkflow(ALICE, content(name))).id);
      }
      await store.createWorkflow(BOB, content('Bob only'));
      const first = await store.listWorkflows(ALICE, { page: 1, limit: 3 });
      assert.deepEqual(
        first.items.map((w) => w.name),
        ['Delta', 'Gamma', 'Beta 50%'],
      );
      assert.equal(first.total, 4);
      const second = await store.listWorkflows(ALICE, { page: 2, limit: 3 });
      assert.deepEqual(
        second.items.map((w) => w.name),
        ['Alpha'],
      );
      const beyond = await store.listWorkflows(ALICE, { page: 9, limit: 3 });
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.total, 4);
      const percent = await store.listWorkflows(ALICE, { page: 1, limit: 10, q: '50%' });
      assert.deepEqual(
        percent.items.map((w) => w.name),
        ['Beta 50%'],
      );
      const caseless = await store.listWorkflows(ALICE, { page: 1, limit: 10, q: 'gAMMA' });
      assert.deepEqual(
        caseless.items.map((w) => w.name),
        ['Gamma'],
      );
      assert.equal(await store.deleteWorkflow(BOB, ids[2]!), false);
      assert.equal(await store.deleteWorkflow(ALICE, ids[2]!), true);
      assert.equal(await store.deleteWorkflow(ALICE, ids[2]!), false);
      const after = await store.listWorkflows(ALICE, { page: 1, limit: 10 });
      assert.deepEqual(
        after.items.map((w) => w.name),
        ['Delta', 'Beta 50%', 'Alpha'],
      );
      assert.equal(await store.getWorkflow(ALICE, ids[2]!), undefined);
    },
  );

  withStore('the workflow list carries run count and last run status', async (store, clock) => {
    const workflow = await store.createWorkflow(ALICE, content('Counted'));
    const input = { ...adHoc(), workflowId: workflow.id, workflowVersion: 1, graph: null };
    await store.createRun(ALICE, input);
    clock.ms += 1000;
    const last = await store.createRun(ALICE, input);
    assert.ok(last.ok);
    await store.requestCancel(ALICE, last.run.id);
    const [summary] = (await store.listWorkflows(ALICE, { page: 1, limit: 10 })).items;
    assert.equal(summary?.runCount, 2);
    assert.equal(summary?.lastRunStatus, 'CANCELED');
    assert.equal(summary?.lastRunAt, last.run.createdAt);
  });

  withStore(
    'records handed out are copies: mutating them changes nothing stored',
    async (store) => {
      const created = await store.createWorkflow(ALICE, content('Safe'));
      created.tags.push('mutated');
      created.nodes.length = 0;
      const fresh = await store.getWorkflow(ALICE, created.id);
      assert.deepEqual(fresh?.tags, []);
      assert.equal(fresh?.nodes.length, 1);
    },
  );
}
