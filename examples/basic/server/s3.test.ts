import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createPng } from '@galaxyflow/engine/testing';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { type RunningApp, startTestApp, TEST_TOKEN } from './testSupport';

const BUCKET = 'galaxy-files';
const s3Dir = mkdtempSync(join(tmpdir(), 'galaxy-app-s3-'));
let s3: S3rver;
let endpoint = '';
let running: RunningApp;
const auth = { authorization: `Bearer ${TEST_TOKEN}` };

const s3Env = () => ({
  S3_BUCKET: BUCKET,
  S3_ENDPOINT: endpoint,
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  S3_FORCE_PATH_STYLE: 'true',
  S3_PREFIX: 'galaxy/',
});

beforeAll(async () => {
  // A real S3 API on loopback, reached by the app through the real AWS SDK.
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const address = await s3.run();
  endpoint = `http://127.0.0.1:${address.port}`;
  running = await startTestApp(s3Env());
});
afterAll(async () => {
  await running?.close();
  await s3?.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

describe('the reference app on an S3-compatible bucket (S3_BUCKET)', () => {
  it('keeps uploads in the bucket under S3_PREFIX, not under DATA_DIR, and serves them back', async () => {
    const png = Buffer.from(createPng(4, 4));
    const base = `http://127.0.0.1:${running.port}/api`;
    const uploaded = await fetch(`${base}/files`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png' },
      body: new Uint8Array(png),
    });
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as { id: string; sha256: string };

    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    client.destroy();
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`galaxy/${file.sha256}`]);
    expect(existsSync(join(running.dataDir, 'blobs'))).toBe(false);

    const content = await fetch(`${base}/files/${file.id}/content`, { headers: auth });
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(png)).toBe(true);
  });

  it('refuses to start on a bucket that does not exist, naming S3_BUCKET', async () => {
    const root = mkdtempSync(join(tmpdir(), 'galaxy-app-s3-missing-'));
    try {
      const config = loadConfig({
        ...s3Env(),
        S3_BUCKET: 'no-such-bucket',
        DATA_DIR: join(root, 'data'),
        AUTH_TOKENS: `${TEST_TOKEN}=alice`,
      });
      const error = await createApp(config, { env: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /S3_BUCKET=no-such-bucket at S3_ENDPOINT \(http:\/\/127\.0\.0\.1:\d+\) cannot be used; it does not exist/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses S3 settings without a bucket, and half a key pair', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(
      /S3_ENDPOINT is set but S3_BUCKET is not/,
    );
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' })).toThrow(
      /S3_SECRET_ACCESS_KEY is not set/,
    );
  });
});
