import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3BlobStore } from '../s3/index';
import { runBlobStoreContract } from '../testing/blobStoreContract';

const BUCKET = 'galaxy-blobs';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-s3rver-'));
let server: { close(): Promise<void> } | undefined;
let client: S3Client | undefined;

/** A real S3 API on loopback (s3rver), reached through the real AWS SDK. */
async function startS3() {
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const address = (await s3rver.run()) as AddressInfo;
  server = s3rver;
  client = new S3Client({
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return client;
}

afterAll(async () => {
  client?.destroy();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

runBlobStoreContract({
  name: 'S3 (s3rver)',
  // s3rver accepts any V4 signature; the presigning is the SDK's own.
  checksSignatures: false,
  createStore: async () =>
    createS3BlobStore({ client: await startS3(), bucket: BUCKET, prefix: 'blobs/' }),
});

describe('S3 blob store', () => {
  it('keeps its objects under the prefix, and says when the bucket cannot be reached', async () => {
    const s3 = client!;
    const store = createS3BlobStore({ client: s3, bucket: BUCKET, prefix: 'p/' });
    async function* body() {
      yield new TextEncoder().encode('prefixed');
    }
    const info = await store.put(body(), { contentType: 'image/png' });
    const url = new URL(await store.signedUrl(info.key));
    expect(url.pathname).toBe(`/${BUCKET}/p/${info.key}`);

    const missing = createS3BlobStore({ client: s3, bucket: 'no-such-bucket' });
    await expect(missing.ping()).rejects.toMatchObject({ code: 'E_BLOB_STORE_UNAVAILABLE' });
    expect(() => createS3BlobStore({ client: s3, bucket: '' })).toThrow(/bucket/);
  });
});
