import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { JSDOM } from 'jsdom';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createDiskBlobStore } from '../blobs/diskBlobStore';
import { createGalaxyClient, GalaxyApiError } from '../client/index';
import { createGalaxyRouter } from '../express';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { createInlineQueue } from '../testing/inlineQueue';
import { makeGif, makePng } from './fixtures/images';

const TOKEN = 'files-client-token-0123';
const dir = mkdtempSync(join(tmpdir(), 'galaxy-files-client-'));
let server: Server;
let store: GalaxyStore;
let baseUrl = '';

beforeAll(async () => {
  store = createSqliteStore({ path: join(dir, 'db.sqlite') });
  const router = createGalaxyRouter({
    auth: tokenAuth({ tokens: { [TOKEN]: 'alice' } }),
    store,
    queue: createInlineQueue({ store, registry: createRegistry(builtinNodes) }),
    blobs: createDiskBlobStore({ dir: join(dir, 'blobs') }),
    files: { maxBytes: 50_000 },
    logger: pino({ level: 'silent' }),
  });
  server = createServer((req, res) => {
    req.url = req.url!.replace(/^\/api/, '');
    router(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('client.files', () => {
  it('reports an upload as wholly sent once the server answers when it cannot watch the bytes (no XMLHttpRequest)', async () => {
    const client = createGalaxyClient({ baseUrl, headers: { authorization: `Bearer ${TOKEN}` } });
    const png = makePng(3, 3);
    const calls: [number, number][] = [];
    const stored = await client.files.upload(new Blob([png], { type: 'image/png' }), {
      onProgress: (loaded, total) => calls.push([loaded, total]),
    });
    expect(stored.size).toBe(png.byteLength);
    expect(calls).toEqual([[png.byteLength, png.byteLength]]);
    // A refused upload reports no progress and rejects with the server's problem.
    calls.length = 0;
    const refused = await client.files
      .upload(new Uint8Array([1, 2, 3]), {
        onProgress: (loaded, total) => calls.push([loaded, total]),
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GalaxyApiError);
    expect(calls).toEqual([]);
    await client.files.delete(stored.id);
  });

  it('reports upload progress through XMLHttpRequest in a browser, ending at the whole file', async () => {
    // A DOM of the API's origin, so its XMLHttpRequest sends real requests to the loopback server.
    const { window } = new JSDOM('', { url: new URL(baseUrl).origin });
    const previous = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = window.XMLHttpRequest;
    try {
      const client = createGalaxyClient({ baseUrl, headers: { authorization: `Bearer ${TOKEN}` } });
      const png = makePng(40, 40);
      const calls: [number, number][] = [];
      const stored = await client.files.upload(png, {
        contentType: 'image/png',
        name: 'watched.png',
        onProgress: (loaded, total) => calls.push([loaded, total]),
      });
      expect(stored).toMatchObject({ name: 'watched.png', size: png.byteLength, width: 40 });
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.at(-1)).toEqual([png.byteLength, png.byteLength]);
      expect(calls.every(([loaded], i) => i === 0 || loaded >= calls[i - 1]![0])).toBe(true);

      // The server's refusal comes back as its problem, headers and all, not as a network error.
      const refused = await client.files
        .upload(new Uint8Array([1, 2, 3]), { onProgress: () => {} })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GalaxyApiError);
      expect(refused).toMatchObject({ status: 415, code: 'E_FILE_TYPE_NOT_ALLOWED' });

      // A cancelled upload rejects with the signal's reason, even while the server has not answered.
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const slowOrigin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        const { window: slowWindow } = new JSDOM('', { url: slowOrigin });
        (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = slowWindow.XMLHttpRequest;
        const slow = createGalaxyClient({ baseUrl: `${slowOrigin}/api` });
        const controller = new AbortController();
        const reason = new Error('user cancelled');
        const received = new Promise((resolve) => silent.once('request', resolve));
        const aborted = slow.files
          .upload(png, {
            contentType: 'image/png',
            signal: controller.signal,
            onProgress: () => {},
          })
          .catch((error: unknown) => error);
        await received;
        controller.abort(reason);
        expect(await aborted).toBe(reason);
        // A signal already aborted never opens a request.
        await expect(
          slow.files.upload(png, { signal: controller.signal, onProgress: () => {} }),
        ).rejects.toBe(reason);
        slowWindow.close();
      } finally {
        silent.closeAllConnections();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }

      await client.files.delete(stored.id);
    } finally {
      (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = previous;
      window.close();
    }
  });

  it('uploads a Blob and bytes, lists, reads back and deletes them', async () => {
    const client = createGalaxyClient({ baseUrl, headers: { authorization: `Bearer ${TOKEN}` } });
    const png = makePng(5, 7);
    const fromBlob = await client.files.upload(new Blob([png], { type: 'image/png' }), {
      name: 'dot.png',
    });
    expect(fromBlob).toMatchObject({
      name: 'dot.png',
      contentType: 'image/png',
      width: 5,
      height: 7,
    });
    const fromBytes = await client.files.upload(new Uint8Array(makeGif(2, 3)));
    expect(fromBytes).toMatchObject({ name: 'upload.gif', contentType: 'image/gif' });

    expect((await client.files.list({ limit: 10 })).total).toBe(2);
    expect(await client.files.get(fromBlob.id)).toEqual(fromBlob);
    const content = await client.files.content(fromBlob.id);
    expect(content.type).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer()).equals(png)).toBe(true);

    await client.files.delete(fromBytes.id);
    await expect(client.files.get(fromBytes.id)).rejects.toMatchObject({
      status: 404,
      code: 'E_FILE_NOT_FOUND',
    });
  });

  it('rejects a refused upload with the problem’s code', async () => {
    const client = createGalaxyClient({ baseUrl, headers: { authorization: `Bearer ${TOKEN}` } });
    const html = new Blob(['<html></html>'], { type: 'text/html' });
    const refused = await client.files.upload(html).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GalaxyApiError);
    expect(refused).toMatchObject({ status: 415, code: 'E_FILE_TYPE_NOT_ALLOWED' });
    await expect(client.files.upload(makePng(200, 200))).rejects.toMatchObject({
      status: 413,
      code: 'E_FILE_TOO_LARGE',
    });
  });
});
