import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDiskBlobStore } from '../blobs/diskBlobStore';
import type { GalaxyOptions } from '../options';
import { GPS_MARKER, makeGif, makeJpeg, makePng } from './fixtures/images';
import { BOB_TOKEN, type Harness, makeHarnessFactory } from './harness';

const root = mkdtempSync(join(tmpdir(), 'galaxy-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** Every blob file under `dir` (the temporary folder included): what is really stored. */
function storedFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

describe.each(['express', 'fetch'] as const)('files API (%s)', (binding) => {
  const makeHarness = makeHarnessFactory(binding);
  let harness: Harness | undefined;
  let blobDir = '';
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function open(overrides: Partial<GalaxyOptions> = {}): Promise<Harness> {
    blobDir = join(root, `blobs-${++dirs}`);
    harness = await makeHarness({ blobs: createDiskBlobStore({ dir: blobDir }), ...overrides });
    return harness;
  }

  const upload = (
    h: Harness,
    bytes: Buffer,
    type = 'application/octet-stream',
    extra: { token?: string; name?: string } = {},
  ) =>
    h.request('POST', `/files${extra.name ? `?name=${encodeURIComponent(extra.name)}` : ''}`, {
      raw: bytes,
      headers: { 'content-type': type },
      ...(extra.token ? { token: extra.token } : {}),
    });

  it('stores an uploaded image and serves it back with safe headers', async () => {
    const h = await open();
    const png = makePng(30, 20);
    const created = await upload(h, png, 'image/png', { name: 'chart 1.png' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'chart 1.png',
      contentType: 'image/png',
      size: png.byteLength,
      width: 30,
      height: 20,
    });
    const id = created.body.id as string;
    expect((await h.request('GET', `/files/${id}`)).body).toEqual(created.body);

    const content = await h.request('GET', `/files/${id}/content`);
    expect(content.status).toBe(200);
    expect(content.bytes.equals(png)).toBe(true);
    expect(content.headers['content-type']).toBe('image/png');
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(content.headers['content-disposition']).toBe(
      `inline; filename="chart 1.png"; filename*=UTF-8''chart%201.png`,
    );
    const etag = content.headers.etag!;
    expect(etag).toBe(`"${created.body.sha256}"`);
    const again = await h.request('GET', `/files/${id}/content`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.bytes.byteLength).toBe(0);
  });

  it("answers 404 for another user's file, and lists only your own", async () => {
    const h = await open();
    const mine = (await upload(h, makeGif(4, 4))).body.id as string;
    for (const [method, path] of [
      ['GET', `/files/${mine}`],
      ['GET', `/files/${mine}/content`],
      ['DELETE', `/files/${mine}`],
    ] as const) {
      const response = await h.request(method, path, { token: BOB_TOKEN });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('E_FILE_NOT_FOUND');
    }
    expect((await h.request('GET', '/files', { token: BOB_TOKEN })).body.total).toBe(0);
    expect((await h.request('GET', `/files/${mine}`)).status).toBe(200);
    expect((await h.request('GET', '/files', { token: null })).status).toBe(401);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'image/png', 422, 'E_FILE_INVALID'],
    [
      'an HTML page',
      Buffer.from('<html><script>alert(1)</script></html>'),
      'image/png',
      415,
      'E_FILE_TYPE_NOT_ALLOWED',
    ],
    [
      'an SVG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
      'image/svg+xml',
      415,
      'E_FILE_TYPE_NOT_ALLOWED',
    ],
    ['a PNG sent as JPEG', makePng(4, 4), 'image/jpeg', 415, 'E_FILE_TYPE_NOT_ALLOWED'],
    ['a PNG sent as HTML', makePng(4, 4), 'text/html', 415, 'E_FILE_TYPE_NOT_ALLOWED'],
    ['a truncated PNG', makePng(64, 64).subarray(0, 200), 'image/png', 422, 'E_FILE_INVALID'],
    [
      'a truncated JPEG',
      makeJpeg({ width: 8, height: 8 }).subarray(0, 250),
      'image/jpeg',
      422,
      'E_FILE_INVALID',
    ],
    [
      'a 50-megapixel header',
      makePng(2, 2, { width: 10_000, height: 5_000 }),
      'image/png',
      413,
      'E_FILE_TOO_LARGE',
    ],
    ['a file over the size cap', makePng(200, 200), 'image/png', 413, 'E_FILE_TOO_LARGE'],
  ])('refuses %s with a problem and stores nothing', async (_, bytes, type, status, code) => {
    const h = await open({ files: { maxBytes: 20_000 } });
    const response = await upload(h, bytes, type);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe(code);
    expect(storedFiles(blobDir)).toEqual([]);
    expect((await h.request('GET', '/files')).body.total).toBe(0);
  });

  it('strips JPEG EXIF (GPS) on upload unless the host keeps it', async () => {
    const photo = makeJpeg({ width: 64, height: 48, orientation: 6 });
    const h = await open();
    const created = await upload(h, photo, 'image/jpeg');
    expect(created.status).toBe(201);
    expect(created.body.size).toBeLessThan(photo.byteLength);
    const served = await h.request('GET', `/files/${created.body.id}/content`);
    expect(served.bytes.includes(GPS_MARKER)).toBe(false);
    expect(served.bytes.includes(Buffer.from([0x01, 0x12]))).toBe(true);
    await harness!.close();

    const keeping = await open({ files: { keepExif: true } });
    const kept = await upload(keeping, photo, 'image/jpeg');
    const raw = await keeping.request('GET', `/files/${kept.body.id}/content`);
    expect(raw.bytes.equals(photo)).toBe(true);
  });

  it('refuses an upload past the per-user quota with 409 and stores nothing', async () => {
    const first = makePng(16, 16);
    const h = await open({ files: { maxBytesPerUser: first.byteLength + 100 } });
    expect((await upload(h, first)).status).toBe(201);
    const second = makePng(17, 17);
    const refused = await upload(h, second);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('E_STORAGE_QUOTA_EXCEEDED');
    expect(refused.body.detail).toMatch(/DELETE \/files/);
    expect(storedFiles(blobDir)).toHaveLength(2); // the first blob and its type
    // Another user has a quota of their own.
    expect((await upload(h, second, 'image/png', { token: BOB_TOKEN })).status).toBe(201);
  });

  it('deletes a file and its blob, keeping bytes another file still has', async () => {
    const h = await open();
    const gif = makeGif(8, 8);
    const alices = (await upload(h, gif)).body;
    const bobs = (await upload(h, gif, 'image/gif', { token: BOB_TOKEN })).body;
    expect(bobs.sha256).toBe(alices.sha256);
    expect((await h.request('DELETE', `/files/${alices.id}`)).status).toBe(204);
    expect((await h.request('GET', `/files/${alices.id}/content`)).status).toBe(404);
    const still = await h.request('GET', `/files/${bobs.id}/content`, { token: BOB_TOKEN });
    expect(still.bytes.equals(gif)).toBe(true);
    expect((await h.request('DELETE', `/files/${bobs.id}`, { token: BOB_TOKEN })).status).toBe(204);
    expect(storedFiles(blobDir)).toEqual([]);
  });

  it('lists files newest first, a page at a time', async () => {
    const h = await open();
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await upload(h, makeGif(i, i))).body.id);
    const page = await h.request('GET', '/files?page=1&limit=2');
    expect(page.body.total).toBe(3);
    expect(page.body.items).toHaveLength(2);
    const second = await h.request('GET', '/files?page=2&limit=2');
    const listed = [...page.body.items, ...second.body.items].map((f: { id: string }) => f.id);
    expect(listed.sort()).toEqual([...ids].sort());
    expect((await h.request('GET', '/files?limit=0')).status).toBe(400);
  });
});
