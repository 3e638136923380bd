import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGif, makePng } from '../__tests__/fixtures/images';
import { createDiskBlobStore } from '../blobs/diskBlobStore';
import { createSqliteStore } from '../store/sqlite/index';
import { startFileRetention } from './retention';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-file-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* once(bytes: Uint8Array) {
  yield bytes;
}

const DAY = 24 * 60 * 60 * 1000;
const silent = { info: () => undefined, error: () => undefined };

describe('startFileRetention', () => {
  it('deletes old unreferenced files and their blobs, never a file a workflow uses', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const store = createSqliteStore({ path: join(dir, 'a.db'), now: () => clock });
    const blobs = createDiskBlobStore({ dir: join(dir, 'blobs') });
    const files = store.files!;
    await store.ensureUser('alice');
    const upload = async (bytes: Uint8Array) => {
      const blob = await blobs.put(once(bytes), { contentType: 'image/png' });
      const created = await files.createFile('alice', {
        name: 'x.png',
        contentType: 'image/png',
        size: blob.size,
        sha256: blob.key,
        width: 1,
        height: 1,
      });
      if (!created.ok) throw new Error('refused');
      return created.file;
    };
    const used = await upload(makePng(3, 3));
    const dropped = await upload(makeGif(3, 3));
    await store.createWorkflow('alice', {
      name: 'w',
      description: '',
      tags: [],
      nodes: [{ id: 'i', type: 'image', data: { image: { fileId: used.id } } }],
      edges: [],
    });
    clock += 2 * DAY;
    const retention = startFileRetention({
      files,
      blobs,
      intervalMs: 60_000,
      now: () => clock,
      logger: silent,
    });
    try {
      // The first pass starts at once; this one runs after it, and finds nothing left.
      await retention.runOnce();
      expect(await files.getFile('alice', dropped.id)).toBeUndefined();
      expect(await blobs.head(dropped.sha256)).toBeUndefined();
      expect(await files.getFile('alice', used.id)).toBeDefined();
      expect(await blobs.head(used.sha256)).toBeDefined();
    } finally {
      await retention.stop();
      await store.close();
    }
  });

  it('refuses options it cannot use', () => {
    const files = {
      pruneFiles: async () => ({ deleted: [], orphanedBlobs: [] }),
      blobInUse: async () => false,
    };
    const blobs = { delete: async () => false };
    expect(() => startFileRetention({ files, blobs, olderThanMs: -1 })).toThrow(/olderThanMs/);
    expect(() => startFileRetention({ files, blobs, batchSize: 0 })).toThrow(/batchSize/);
  });
});
