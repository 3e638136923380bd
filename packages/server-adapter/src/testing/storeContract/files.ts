import assert from 'node:assert/strict';
import type { CreateFileInput, FileStore, GalaxyStore } from '../../store/types';
import { ALICE, adHoc, BOB, content, type WithStore, zeroCounts } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

function filesOf(store: GalaxyStore): FileStore {
  assert.ok(store.files, 'the store keeps files (store.files)');
  return store.files;
}

const png = (extra: Partial<CreateFileInput> = {}): CreateFileInput => ({
  name: 'cat.png',
  contentType: 'image/png',
  size: 1000,
  sha256: 'a'.repeat(64),
  width: 10,
  height: 10,
  ...extra,
});

async function create(files: FileStore, owner: string, input: Partial<CreateFileInput> = {}) {
  const result = await files.createFile(owner, png(input));
  assert.ok(result.ok);
  return result.file;
}

/** A graph with an Image node naming the file. */
const imageNode = (fileId: string) => ({ id: 'img', type: 'image', data: { image: { fileId } } });

/** Ends a run so it can be deleted. */
async function finish(store: GalaxyStore, runId: string): Promise<void> {
  assert.ok(await store.claimRun({ workerId: 'w', leaseMs: 60_000, runId }));
  assert.ok(
    await store.finishRun(runId, 'w', {
      status: 'SUCCESS',
      error: null,
      counts: zeroCounts,
      durationMs: 0,
      progress: { nodeResults: [], logs: [], events: [] },
    }),
  );
}

/** The rules of `store.files`: rows, owners, the byte cap, references and retention. */
export function fileRules(withStore: WithStore): void {
  withStore('files: a file is its owner’s alone, listed newest first', async (store, clock) => {
    const files = filesOf(store);
    const first = await create(files, ALICE, { name: 'a.png' });
    clock.ms += 1000;
    const second = await create(files, ALICE, { name: 'b.gif', contentType: 'image/gif' });
    await create(files, BOB);
    assert.deepEqual(first, {
      id: first.id,
      ownerId: ALICE,
      name: 'a.png',
      contentType: 'image/png',
      size: 1000,
      sha256: 'a'.repeat(64),
      width: 10,
      height: 10,
      createdAt: clock.ms - 1000,
    });
    assert.deepEqual(await files.getFile(ALICE, first.id), first);
    assert.equal(await files.getFile(BOB, first.id), undefined);
    const page = await files.listFiles(ALICE, { page: 1, limit: 1 });
    assert.deepEqual(page, { items: [second], page: 1, limit: 1, total: 2 });
    assert.deepEqual((await files.listFiles(ALICE, { page: 2, limit: 1 })).items, [first]);
    assert.deepEqual(await files.fileUsage(ALICE), { bytes: 2000, count: 2 });
    assert.deepEqual((await files.deleteFile(BOB, first.id)).ok, false);
    assert.ok(await files.getFile(ALICE, first.id));
  });

  withStore('files: deleting says whether another file still has the same bytes', async (store) => {
    const files = filesOf(store);
    const mine = await create(files, ALICE);
    const bobs = await create(files, BOB);
    assert.equal(await files.blobInUse('a'.repeat(64)), true);
    assert.equal(await files.blobInUse('b'.repeat(64)), false);
    const deleted = await files.deleteFile(ALICE, mine.id);
    assert.deepEqual(deleted, { ok: true, file: mine, blobInUse: true });
    assert.deepEqual(await files.deleteFile(ALICE, mine.id), { ok: false, reason: 'not_found' });
    assert.deepEqual(await files.deleteFile(BOB, bobs.id), {
      ok: true,
      file: bobs,
      blobInUse: false,
    });
  });

  withStore(
    'files: the byte cap refuses a file that would pass it and writes nothing',
    async (store) => {
      const files = filesOf(store);
      await create(files, ALICE, { size: 600, maxBytesPerOwner: 1000 });
      const refused = await files.createFile(ALICE, png({ size: 401, maxBytesPerOwner: 1000 }));
      assert.deepEqual(refused, { ok: false, reason: 'quota', usedBytes: 600 });
      assert.deepEqual(await files.fileUsage(ALICE), { bytes: 600, count: 1 });
      // Exactly at the cap fits; another owner has a cap of their own.
      await create(files, ALICE, { size: 400, maxBytesPerOwner: 1000 });
      await create(files, BOB, { size: 1000, maxBytesPerOwner: 1000 });
      // Concurrent uploads at the edge: exactly one fits.
      const racing = await Promise.all(
        [1, 2, 3].map(() => files.createFile(BOB, png({ size: 1, maxBytesPerOwner: 1001 }))),
      );
      assert.equal(racing.filter((r) => r.ok).length, 1);
    },
  );

  withStore(
    'files: retention removes old unreferenced files, never a referenced one',
    async (store, clock) => {
      const files = filesOf(store);
      const loose = await create(files, ALICE, { sha256: '1'.repeat(64) });
      const inWorkflow = await create(files, ALICE, { sha256: '2'.repeat(64) });
      const inOldVersion = await create(files, ALICE, { sha256: '3'.repeat(64) });
      const inRun = await create(files, ALICE, { sha256: '4'.repeat(64) });
      const fromRun = await create(files, ALICE, { sha256: '5'.repeat(64) });
      const inDeletedWorkflow = await create(files, ALICE, { sha256: '6'.repeat(64) });
      const bobsNamedByAlice = await create(files, BOB, { sha256: '7'.repeat(64) });
      const young = { id: '' };

      const workflow = await store.createWorkflow(
        ALICE,
        content('w', { nodes: [imageNode(inOldVersion.id)] }),
      );
      // The newest version names another file; the old version can be restored, so both stay.
      const saved = await store.updateWorkflow(
        ALICE,
        workflow.id,
        { nodes: [imageNode(inWorkflow.id), imageNode(bobsNamedByAlice.id)] },
        1,
      );
      assert.ok(saved.ok);
      const gone = await store.createWorkflow(
        ALICE,
        content('g', { nodes: [imageNode(inDeletedWorkflow.id)] }),
      );
      assert.ok(await store.deleteWorkflow(ALICE, gone.id));
      const run = await store.createRun(
        ALICE,
        adHoc({ graph: { nodes: [imageNode(inRun.id)], edges: [] } }),
      );
      assert.ok(run.ok);
      const producer = await store.createRun(ALICE, adHoc());
      assert.ok(producer.ok);
      const produced = await files.createFile(
        ALICE,
        png({ sha256: fromRun.sha256, runId: producer.run.id }),
      );
      assert.ok(produced.ok);

      clock.ms += 10 * DAY;
      young.id = (await create(files, ALICE, { sha256: '8'.repeat(64) })).id;
      clock.ms += DAY;
      const pruned = await files.pruneFiles({ olderThanMs: 7 * DAY });
      const deletedIds = pruned.deleted.map((file) => file.id).sort();
      assert.deepEqual(
        deletedIds,
        [loose.id, inDeletedWorkflow.id, bobsNamedByAlice.id, fromRun.id].sort(),
      );
      // `fromRun`'s bytes are still those of the file the run produced.
      assert.deepEqual(pruned.orphanedBlobs.sort(), [
        '1'.repeat(64),
        '6'.repeat(64),
        '7'.repeat(64),
      ]);
      for (const kept of [inWorkflow, inOldVersion, inRun, produced.file, young]) {
        assert.ok(await files.getFile(ALICE, kept.id), `kept ${kept.id}`);
      }
      assert.deepEqual((await files.pruneFiles({ olderThanMs: 7 * DAY })).deleted, []);

      // Once the run that refers to a file is deleted, the file goes too.
      await finish(store, run.run.id);
      assert.deepEqual(await store.deleteRun(ALICE, run.run.id), { ok: true });
      const after = await files.pruneFiles({ olderThanMs: 7 * DAY });
      assert.deepEqual(
        after.deleted.map((file) => file.id),
        [inRun.id],
      );
    },
  );

  withStore(
    'files: a run of a saved workflow refers to the files its versions name',
    async (store, clock) => {
      const files = filesOf(store);
      const file = await create(files, ALICE);
      const workflow = await store.createWorkflow(
        ALICE,
        content('w', { nodes: [imageNode(file.id)] }),
      );
      const run = await store.createRun(ALICE, {
        ...adHoc(),
        graph: null,
        workflowId: workflow.id,
        workflowVersion: 1,
      });
      assert.ok(run.ok);
      assert.ok(await store.deleteWorkflow(ALICE, workflow.id));
      clock.ms += 30 * DAY;
      assert.deepEqual((await files.pruneFiles({ olderThanMs: DAY })).deleted, []);
      await finish(store, run.run.id);
      await store.deleteRun(ALICE, run.run.id);
      assert.deepEqual(
        (await files.pruneFiles({ olderThanMs: DAY })).deleted.map((f) => f.id),
        [file.id],
      );
    },
  );
}
