import assert from 'node:assert/strict';
import { ALICE, BOB, content, type WithStore } from './fixtures';

/** Version snapshots: optimistic saves and restores, each writing the next version. */
export function versionRules(withStore: WithStore): void {
  withStore('a save needs the current version and writes the next snapshot', async (store) => {
    const created = await store.createWorkflow(ALICE, content('Draft'));
    const saved = await store.updateWorkflow(ALICE, created.id, { name: 'Final' }, 1);
    assert.ok(saved.ok);
    assert.equal(saved.workflow.version, 2);
    assert.equal(saved.workflow.name, 'Final');
    assert.deepEqual(saved.workflow.nodes, created.nodes);
    const stale = await store.updateWorkflow(ALICE, created.id, { name: 'Lost' }, 1);
    assert.deepEqual(stale, { ok: false, reason: 'version_conflict', currentVersion: 2 });
    assert.equal((await store.getWorkflow(ALICE, created.id))?.name, 'Final');
    assert.deepEqual(await store.updateWorkflow(BOB, created.id, { name: 'Hijack' }, 2), {
      ok: false,
      reason: 'not_found',
    });
    const versions = await store.listWorkflowVersions(ALICE, created.id, { page: 1, limit: 10 });
    assert.deepEqual(
      versions?.items.map((v) => [v.version, v.name]),
      [
        [2, 'Final'],
        [1, 'Draft'],
      ],
    );
    assert.equal(
      await store.listWorkflowVersions(BOB, created.id, { page: 1, limit: 10 }),
      undefined,
    );
  });

  withStore('restoring a version saves its content as the next version', async (store) => {
    const created = await store.createWorkflow(ALICE, content('One'));
    await store.updateWorkflow(ALICE, created.id, { name: 'Two', tags: ['t'] }, 1);
    const restored = await store.restoreWorkflowVersion(ALICE, created.id, 1, 2);
    assert.ok(restored.ok);
    assert.equal(restored.workflow.version, 3);
    assert.equal(restored.workflow.name, 'One');
    assert.deepEqual(restored.workflow.tags, []);
    assert.equal((await store.getWorkflowVersion(ALICE, created.id, 3))?.restoredFrom, 1);
    assert.deepEqual(await store.restoreWorkflowVersion(ALICE, created.id, 1, 2), {
      ok: false,
      reason: 'version_conflict',
      currentVersion: 3,
    });
    assert.deepEqual(await store.restoreWorkflowVersion(ALICE, created.id, 9, undefined), {
      ok: false,
      reason: 'version_not_found',
    });
    assert.deepEqual(await store.restoreWorkflowVersion(BOB, created.id, 1, undefined), {
      ok: false,
      reason: 'not_found',
    });
  });
}
