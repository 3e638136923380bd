import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createDiskBlobStore } from '../blobs/diskBlobStore';
import type { BlobStore } from '../blobs/types';
import { createGalaxyRouter, type GalaxyRouter } from '../express';
import { createMemoryStore } from '../store/memoryStore';
import { runBlobStoreContract } from '../testing/blobStoreContract';
import { createInlineQueue } from '../testing/inlineQueue';

const SECRET = 'a-signing-secret-of-at-least-32-chars!';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real router on loopback serving `GET /api/blobs/:key` for the store `make` builds. */
async function serveBlobs(make: (publicUrl: string) => BlobStore) {
  let router: GalaxyRouter | undefined;
  const server: Server = createServer((req, res) => {
    if (!req.url?.startsWith('/api/')) return void res.writeHead(404).end();
    req.url = req.url.slice(4);
    router!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  const blobs = make(publicUrl);
  const store = createMemoryStore();
  router = createGalaxyRouter({
    auth: tokenAuth({ tokens: { 'a-token-of-16-chars-or-more': 'u' } }),
    store,
    queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
    blobs,
    logger: pino({ level: 'silent' }),
  });
  return { blobs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let served: Awaited<ReturnType<typeof serveBlobs>> | undefined;
runBlobStoreContract({
  name: 'disk',
  async createStore() {
    served = await serveBlobs((publicUrl) =>
      createDiskBlobStore({ dir: join(dir, 'contract'), signingSecret: SECRET, publicUrl }),
    );
    return served.blobs;
  },
  cleanup: () => served?.close(),
});

async function* once(bytes: Uint8Array) {
  yield bytes;
}

describe('disk blob store', () => {
  it('writes each blob under its sha256 and leaves no temporary file behind', async () => {
    const root = join(dir, 'layout');
    const blobs = createDiskBlobStore({ dir: root });
    const bytes = new TextEncoder().encode('hello blobs');
    const key = createHash('sha256').update(bytes).digest('hex');
    await blobs.put(once(bytes), { contentType: 'image/png' });
    await expect(
      blobs.put(once(new Uint8Array(10)), { contentType: 'image/png', maxBytes: 5 }),
    ).rejects.toMatchObject({ code: 'E_BLOB_TOO_LARGE' });
    expect(readdirSync(join(root, key.slice(0, 2))).sort()).toEqual([key, `${key}.json`]);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('signed URLs stop working when they expire, and need the secret and public URL', async () => {
    let clock = 1_700_000_000_000;
    const blobs = createDiskBlobStore({
      dir: join(dir, 'expiry'),
      signingSecret: SECRET,
      publicUrl: 'https://flow.example/api/',
      now: () => clock,
    });
    const info = await blobs.put(once(new Uint8Array([1, 2, 3])), { contentType: 'image/gif' });
    const url = new URL(await blobs.signedUrl(info.key, { expiresInSeconds: 60 }));
    expect(url.pathname).toBe(`/api/blobs/${info.key}`);
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    expect(blobs.verifySignature!(info.key, exp, sig)).toBe(true);
    expect(blobs.verifySignature!('0'.repeat(64), exp, sig)).toBe(false);
    expect(blobs.verifySignature!(info.key, String(Number(exp) + 1), sig)).toBe(false);
    clock += 61_000;
    expect(blobs.verifySignature!(info.key, exp, sig)).toBe(false);

    const unsigned = createDiskBlobStore({ dir: join(dir, 'expiry') });
    await expect(unsigned.signedUrl(info.key)).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    expect(() => createDiskBlobStore({ dir, signingSecret: 'short' })).toThrow(/32 characters/);
  });
});
