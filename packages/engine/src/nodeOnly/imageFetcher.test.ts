import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanceledError, GalaxyError } from '../errors';
import { createImageFetcher, type HostResolver } from './index';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A local image host. Names like `img.test` reach it only through the custom resolver. */
let server: Server;
let port: number;
const hits: string[] = [];
const closedEarly: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    res.on('close', () => {
      if (!res.writableFinished) closedEarly.push(path);
    });
    const redirect = /^\/redirect\?to=(.*)$/.exec(path);
    if (redirect) {
      res.writeHead(302, { location: decodeURIComponent(redirect[1]!) }).end();
    } else if (path === '/cat.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
    } else if (path === '/mislabeled') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
    } else if (path === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    } else if (path === '/fake.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end('<svg onload=alert(1)>');
    } else if (path === '/huge-declared.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': 5_000_000 }).end();
    } else if (path === '/huge-chunked.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(PNG);
      const block = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 40 && res.write(block)) sent++;
        if (sent < 40 && !res.destroyed) res.once('drain', pump);
        else res.end();
      };
      pump();
    } else if (path === '/slow.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(PNG.subarray(0, 8));
    } else if (path === '/missing.png') {
      res.writeHead(404).end();
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  hits.length = 0;
  closedEarly.length = 0;
});

/** A resolver with fixed answers, so no test asks real DNS or leaves the machine. */
function resolver(table: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

async function rejection(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GalaxyError) return error;
    throw error;
  }
  throw new Error('expected the fetch to fail');
}

describe('createImageFetcher: connect-time checks', () => {
  it('refuses a name that resolves to loopback, without connecting', async () => {
    const resolve = resolver({ 'img.test': ['127.0.0.1'] });
    const fetchImage = createImageFetcher({ resolve });
    const error = await rejection(fetchImage(`http://img.test:${port}/cat.png`));
    expect(error.code).toBe('E_SSRF_BLOCKED');
    expect(error.message).toContain('img.test resolves to 127.0.0.1 is a loopback address');
    expect(resolve.asked).toEqual(['img.test']);
    expect(hits).toEqual([]);
  });

  it('refuses a name when any of its addresses is internal (DNS rebinding with mixed answers)', async () => {
    const fetchImage = createImageFetcher({ resolve: resolver({ 'img.test': ['93.184.216.34', '10.0.0.7'] }) });
    expect((await rejection(fetchImage(`http://img.test:${port}/cat.png`))).code).toBe('E_SSRF_BLOCKED');
    expect(hits).toEqual([]);
  });

  it('connects to the address the guarded resolver returned, and reads the image', async () => {
    // 127.0.0.1 is exempted here only because the test's image host lives on loopback;
    // the name itself exists nowhere but in the custom resolver.
    const fetchImage = createImageFetcher({ resolve: resolver({ 'img.test': ['127.0.0.1'] }), allowAddresses: ['127.0.0.1'] });
    const image = await fetchImage(`http://img.test:${port}/cat.png`);
    expect(image).toEqual({ mimeType: 'image/png', base64: PNG.toString('base64') });
    expect(hits).toEqual(['/cat.png']);
  });

  it('refuses IP literals in any spelling before connecting', async () => {
    const fetchImage = createImageFetcher();
    for (const host of ['127.0.0.1', '2130706433', '0x7f000001', '017700000001', '127.1', '[::1]', '[::ffff:127.0.0.1]']) {
      expect((await rejection(fetchImage(`http://${host}:${port}/cat.png`))).code).toBe('E_SSRF_BLOCKED');
    }
    expect(hits).toEqual([]);
  });

  it('refuses other schemes', async () => {
    expect((await rejection(createImageFetcher()('file:///etc/passwd'))).code).toBe('E_SSRF_BLOCKED');
  });
});

describe('createImageFetcher: redirects', () => {
  const trusted = { resolve: resolver({ 'img.test': ['127.0.0.1'], 'rebind.test': ['10.0.0.5'] }), allowAddresses: ['127.0.0.1'] };

  it('follows a redirect to an allowed place', async () => {
    const image = await createImageFetcher(trusted)(`http://img.test:${port}/redirect?to=${encodeURIComponent('/cat.png')}`);
    expect(image.mimeType).toBe('image/png');
    expect(hits).toEqual(['/redirect?to=%2Fcat.png', '/cat.png']);
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', 'http://[::1]/x.png'],
    ['a decimal loopback (127.0.0.2; only 127.0.0.1 is exempted here)', 'http://2130706434/x.png'],
    ['a name resolving to a private address', 'http://rebind.test/x.png'],
    ['a file URL', 'file:///etc/passwd'],
  ])('re-checks each hop: refuses a redirect to %s', async (_, target) => {
    const error = await rejection(createImageFetcher(trusted)(`http://img.test:${port}/redirect?to=${encodeURIComponent(target)}`));
    expect(error.code).toBe('E_SSRF_BLOCKED');
    expect(hits).toHaveLength(1);
  });

  it('stops after maxRedirects', async () => {
    const loop = `http://img.test:${port}/redirect?to=${encodeURIComponent(`http://img.test:${port}/redirect?to=%2Fcat.png`)}`;
    const error = await rejection(createImageFetcher({ ...trusted, maxRedirects: 1 })(loop));
    expect(error.code).toBe('E_IMAGE_FETCH');
    expect(error.message).toContain('more than 1');
  });
});

describe('createImageFetcher: limits', () => {
  const base = { resolve: resolver({ 'img.test': ['127.0.0.1'] }), allowAddresses: ['127.0.0.1'] };
  const url = (path: string) => `http://img.test:${port}${path}`;

  it('refuses a declared size over the limit without reading it', async () => {
    const error = await rejection(createImageFetcher({ ...base, maxBytes: 1_000_000 })(url('/huge-declared.png')));
    expect(error).toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
  });

  it('stops reading a body that grows past the limit', async () => {
    const error = await rejection(createImageFetcher({ ...base, maxBytes: 500_000 })(url('/huge-chunked.png')));
    expect(error.code).toBe('E_IMAGE_TOO_LARGE');
  });

  it('refuses non-images by Content-Type and by their bytes', async () => {
    expect((await rejection(createImageFetcher(base)(url('/page.html')))).code).toBe('E_IMAGE_TYPE');
    expect((await rejection(createImageFetcher(base)(url('/fake.png')))).code).toBe('E_IMAGE_TYPE');
  });

  it('identifies an image served as octet-stream by its bytes', async () => {
    expect((await createImageFetcher(base)(url('/mislabeled'))).mimeType).toBe('image/png');
  });

  it('reports HTTP errors, retryable only for 5xx', async () => {
    expect(await rejection(createImageFetcher(base)(url('/missing.png')))).toMatchObject({ code: 'E_IMAGE_FETCH', retryable: false });
    expect(await rejection(createImageFetcher(base)(url('/boom')))).toMatchObject({ code: 'E_IMAGE_FETCH', retryable: true });
  });

  it('times out a slow download and closes the connection', async () => {
    const error = await rejection(createImageFetcher({ ...base, timeoutMs: 200 })(url('/slow.png')));
    expect(error).toMatchObject({ code: 'E_IMAGE_FETCH', retryable: true });
    expect(error.message).toContain('200 ms');
    await new Promise((r) => setTimeout(r, 50));
    expect(closedEarly).toEqual(['/slow.png']);
  });

  it('stops when the caller’s signal fires', async () => {
    const controller = new AbortController();
    const pending = createImageFetcher(base)(url('/slow.png'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await rejection(pending)).toBeInstanceOf(CanceledError);
  });
});
