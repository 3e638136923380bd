import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BlobStore } from '../blobs/types';

export interface BlobStoreContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /** Makes the store under test (once, before the suite). */
  createStore: () => BlobStore | Promise<BlobStore>;
  /**
   * Whether the server behind the signed URLs checks their signatures, so the suite expects a
   * tampered URL to be refused. False only for a test double that does not (s3rver does not
   * check V4 signatures; S3, R2 and MinIO do). Default true.
   */
  checksSignatures?: boolean;
  /** Frees what `createStore` made; called after the suite. Default nothing. */
  cleanup?: () => void | Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Distinct pseudo-random bytes per call, so tests never share a blob by accident. */
let seed = 0;
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (Date.now() ^ (++seed * 0x9e3779b1)) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** The bytes as a stream of `chunk`-sized pieces, like a request body arriving. */
async function* chunked(bytes: Uint8Array, chunk = 16 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
    yield bytes.subarray(offset, offset + chunk);
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * What every `BlobStore` does: content-addressed, all-or-nothing streamed writes with a size
 * limit, reads as streams, deletes, and signed URLs that give the bytes to whoever holds them
 * and nothing to a tampered one. Run it in a Vitest file:
 * `runBlobStoreContract({ name: 'S3', createStore })`.
 */
export function runBlobStoreContract(options: BlobStoreContractOptions): void {
  describe(`BlobStore contract: ${options.name}`, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await options.createStore();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    test('stores streamed bytes under their sha256 and gives them back with their type', async () => {
      const bytes = randomBytes(300 * 1024 + 7);
      const info = await store.put(chunked(bytes), { contentType: 'image/png' });
      expect(info).toEqual({
        key: sha256(bytes),
        size: bytes.byteLength,
        contentType: 'image/png',
      });
      expect(await store.head(info.key)).toEqual(info);
      const object = await store.get(info.key);
      expect(object?.info).toEqual(info);
      expect(sha256(await collect(object!.body))).toBe(info.key);
    });

    test('the same bytes stored twice are one blob', async () => {
      const bytes = randomBytes(1000);
      const first = await store.put(chunked(bytes, 100), { contentType: 'image/gif' });
      const second = await store.put(chunked(bytes, 333), { contentType: 'image/gif' });
      expect(second.key).toBe(first.key);
      expect(await store.delete(first.key)).toBe(true);
      expect(await store.head(second.key)).toBeUndefined();
    });

    test('refuses a body past maxBytes with E_BLOB_TOO_LARGE and stores nothing', async () => {
      const bytes = randomBytes(64 * 1024 + 1);
      await expect(
        store.put(chunked(bytes, 4096), { contentType: 'image/png', maxBytes: 64 * 1024 }),
      ).rejects.toMatchObject({ code: 'E_BLOB_TOO_LARGE' });
      expect(await store.head(sha256(bytes))).toBeUndefined();
      const exact = bytes.subarray(0, 64 * 1024);
      const info = await store.put(chunked(exact), {
        contentType: 'image/png',
        maxBytes: 64 * 1024,
      });
      expect(info.size).toBe(64 * 1024);
    });

    test('a body whose source fails part way stores nothing', async () => {
      const bytes = randomBytes(50_000);
      async function* failing() {
        yield bytes.subarray(0, 20_000);
        throw new Error('the client went away');
      }
      await expect(store.put(failing(), { contentType: 'image/png' })).rejects.toThrow(
        'the client went away',
      );
      expect(await store.head(sha256(bytes.subarray(0, 20_000)))).toBeUndefined();
    });

    test('stores an empty body', async () => {
      const info = await store.put(chunked(new Uint8Array(0)), { contentType: 'text/plain' });
      expect(info.size).toBe(0);
      expect((await collect((await store.get(info.key))!.body)).byteLength).toBe(0);
    });

    test('delete removes the blob once; unknown and malformed keys read as missing', async () => {
      const info = await store.put(chunked(randomBytes(10)), { contentType: 'image/webp' });
      expect(await store.delete(info.key)).toBe(true);
      expect(await store.delete(info.key)).toBe(false);
      expect(await store.get(info.key)).toBeUndefined();
      expect(await store.head('0'.repeat(64))).toBeUndefined();
      expect(await store.head('../../etc/passwd')).toBeUndefined();
      expect(await store.get('../x')).toBeUndefined();
    });

    const checksSignatures = options.checksSignatures ?? true;
    test(`a signed URL gives the bytes to whoever holds it${checksSignatures ? '; a tampered one gives nothing' : ''}`, async () => {
      const bytes = randomBytes(5000);
      const info = await store.put(chunked(bytes), { contentType: 'image/jpeg' });
      const url = await store.signedUrl(info.key, { expiresInSeconds: 60 });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(info.key);

      if (!checksSignatures) return;
      const tampered = new URL(url);
      for (const name of ['sig', 'X-Amz-Signature']) {
        const value = tampered.searchParams.get(name);
        if (value !== null) {
          tampered.searchParams.set(
            name,
            `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`,
          );
        }
      }
      const refused = await fetch(tampered);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(sha256(new Uint8Array(await refused.arrayBuffer()))).not.toBe(info.key);
    });

    test('ping answers while the store is reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
