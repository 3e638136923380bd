import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inputPortsOf } from '../defineNode';
import { builtinNodes } from '../nodes/index';
import { hostAllowed, httpNode } from '../nodes/http';
import { createRegistry } from '../registry';
import { runWorkflow, startRun } from '../run';
import type { RunEvent } from '../types';
import { createHttpRequester, type HostResolver } from './index';

const SECRET = 'ghp_s3cr3t-VALUE-0123456789';
const registry = createRegistry(builtinNodes);

/** A loopback API. Names like `api.test` reach it only through the test's resolver. */
let server: Server;
let port: number;
const seen: {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  host: string;
}[] = [];
const closedEarly: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (part: Buffer) => {
      body += part.toString('utf8');
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.push({
        path,
        method: req.method ?? '',
        headers: req.headers,
        body,
        host: req.headers.host ?? '',
      });
      res.on('close', () => {
        if (!res.writableFinished) closedEarly.push(path);
      });
      const redirect = /^\/redirect\?to=(.*)$/.exec(path);
      if (redirect) {
        res.writeHead(307, { location: decodeURIComponent(redirect[1]!) }).end();
      } else if (path.startsWith('/echo')) {
        // Echoes what it got, credentials included, the way debugging endpoints do.
        const echo = JSON.stringify({
          path,
          method: req.method,
          authorization: req.headers.authorization ?? null,
          body,
        });
        res
          .writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'x-seen-auth': req.headers.authorization ?? '',
          })
          .end(echo);
      } else if (path === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      } else if (path === '/denied') {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: `bad token ${req.headers.authorization}` }));
      } else if (path === '/boom') {
        res.writeHead(500).end('internal');
      } else if (path === '/busy') {
        res.writeHead(503, { 'retry-after': '1' }).end('try later');
      } else if (path === '/huge') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const block = Buffer.alloc(64 * 1024, 97);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(block)) sent++;
          if (sent < 64 && !res.destroyed) res.once('drain', pump);
          else res.end();
        };
        pump();
      } else if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('starting');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  closedEarly.length = 0;
});

const resolve: HostResolver = async (hostname) => {
  const table: Record<string, string[]> = {
    'api.test': ['127.0.0.1'],
    'other.test': ['127.0.0.1'],
    'intranet.test': ['10.1.2.3'],
  };
  const addresses = table[hostname];
  if (!addresses)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: 4 }));
};

/** The loopback exemption exists for tests like these only, as with the image fetcher. */
const trusted = () => createHttpRequester({ resolve, allowAddresses: ['127.0.0.1'] });

function workflow(data: Record<string, unknown>, inputs: Record<string, string> = {}) {
  return {
    nodes: [
      ...Object.entries(inputs).map(([id, text]) => ({ id, type: 'text', data: { text } })),
      { id: 'call', type: 'http', data },
    ],
    edges: Object.keys(inputs).map((id) => ({
      id: `e-${id}`,
      source: id,
      sourceHandle: 'text',
      target: 'call',
      targetHandle: id,
    })),
    settings: { retryPolicy: { maxAttempts: 1 } },
  };
}

async function run(
  data: Record<string, unknown>,
  inputs: Record<string, string> = {},
  context: Record<string, unknown> = {},
) {
  const events: RunEvent[] = [];
  const result = await runWorkflow(workflow(data, inputs), {
    registry,
    context: { httpRequest: trusted(), secrets: { GITHUB_TOKEN: SECRET }, ...context },
    onEvent: (event) => events.push(event),
  });
  return { result, events, node: result.nodes.call! };
}

describe('http node: requests', () => {
  it('fills the URL (encoded) and header templates from inputs and parses a JSON answer', async () => {
    expect(
      Object.keys(
        inputPortsOf(httpNode, { url: 'http://x/{{repo}}', headers: { 'X-Trace': '{{trace}}' } }),
      ),
    ).toEqual(['repo', 'trace']);
    const { node } = await run(
      {
        url: `http://api.test:${port}/echo/{{repo}}?q={{query}}`,
        headers: { 'X-Trace': 'run {{trace}}' },
      },
      { repo: 'galaxy/flow', query: 'a&b=c', trace: 't-1' },
    );
    expect(node.status).toBe('SUCCESS');
    expect(seen[0]).toMatchObject({
      path: '/echo/galaxy%2Fflow?q=a%26b%3Dc',
      method: 'GET',
      headers: { 'x-trace': 'run t-1' },
    });
    expect(node.output).toMatchObject({
      status: 200,
      body: { path: '/echo/galaxy%2Fflow?q=a%26b%3Dc', method: 'GET', authorization: null },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
  });

  it('sends a JSON body with each placeholder written as a JSON value, and a text body as is', async () => {
    const json = await run(
      {
        method: 'POST',
        url: `http://api.test:${port}/echo`,
        bodyType: 'json',
        body: '{"q": {{question}}, "n": 2}',
      },
      { question: 'say "hi"' },
    );
    expect(JSON.parse(seen[0]!.body)).toEqual({ q: 'say "hi"', n: 2 });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(json.node.output?.status).toBe(200);
    const text = await run(
      {
        method: 'PUT',
        url: `http://api.test:${port}/text`,
        bodyType: 'text',
        body: 'Hello {{name}}',
      },
      { name: 'Ada' },
    );
    expect(seen[1]).toMatchObject({ method: 'PUT', body: 'Hello Ada' });
    expect(text.node.output?.body).toBe('plain words');
  });

  it('fails on an error status (retryable for 503), or passes the status on when asked', async () => {
    const failed = await run({ url: `http://api.test:${port}/busy` });
    expect(failed.node.error).toMatchObject({
      code: 'E_HTTP_STATUS',
      retryable: true,
      details: { status: 503, body: 'try later' },
    });
    const passed = await run({ url: `http://api.test:${port}/missing`, failOnErrorStatus: false });
    expect(passed.node.output).toMatchObject({ status: 404, body: '' });
  });

  it('does not repeat a POST whose outcome is unknown, but repeats a GET', async () => {
    const post = await run({
      method: 'POST',
      url: `http://api.test:${port}/slow`,
      bodyType: 'text',
      body: 'charge',
      requestTimeoutMs: 150,
    });
    expect(post.node.error).toMatchObject({ code: 'E_HTTP_TIMEOUT', retryable: false });
    expect(post.node.error?.message).toContain(
      'Not retried: a POST may already have taken effect.',
    );
    const failed = await run({
      method: 'POST',
      url: `http://api.test:${port}/boom`,
      bodyType: 'text',
      body: 'x',
    });
    expect(failed.node.error).toMatchObject({
      code: 'E_HTTP_STATUS',
      retryable: false,
      details: { status: 500 },
    });
    const busy = await run({
      method: 'POST',
      url: `http://api.test:${port}/busy`,
      bodyType: 'text',
      body: 'x',
    });
    expect(busy.node.error).toMatchObject({ code: 'E_HTTP_STATUS', retryable: true });
    const get = await run({ url: `http://api.test:${port}/slow`, requestTimeoutMs: 150 });
    expect(get.node.error).toMatchObject({ code: 'E_HTTP_TIMEOUT', retryable: true });
  });

  it('stops reading a response past the size cap and closes the connection', async () => {
    const { node } = await run({ url: `http://api.test:${port}/huge`, maxResponseBytes: 100_000 });
    expect(node.error).toMatchObject({ code: 'E_HTTP_TOO_LARGE' });
    await new Promise((r) => setTimeout(r, 50));
    expect(closedEarly).toEqual(['/huge']);
  });

  it('gives up on a slow server at the time limit', async () => {
    const started = Date.now();
    const { node } = await run({ url: `http://api.test:${port}/slow`, requestTimeoutMs: 200 });
    expect(node.error).toMatchObject({ code: 'E_HTTP_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a workflow that holds credentials itself, or a body on a GET', () => {
    expect(() =>
      startRun(workflow({ url: 'https://x.test/', headers: { Authorization: 'Bearer abc' } }), {
        registry,
      }),
    ).toThrow(/name a server secret/);
    expect(() =>
      startRun(workflow({ url: 'https://x.test/', bodyType: 'json', body: '{}' }), { registry }),
    ).toThrow(/GET request has no body/);
  });

  it('fails with a clear error where the host has no guarded HTTP client (a browser)', async () => {
    const result = await runWorkflow(workflow({ url: 'https://api.example.com/' }), { registry });
    expect(result.nodes.call?.error).toMatchObject({ code: 'E_HTTP_UNAVAILABLE' });
    expect(result.nodes.call?.error?.message).toContain('server only');
  });
});

describe('http node: named secrets', () => {
  const auth = { secret: 'GITHUB_TOKEN' };

  it('sends the secret in its header and never lets its value into the record or the events', async () => {
    const data = { url: `http://api.test:${port}/echo`, auth };
    const { result, events, node } = await run(data);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(node.status).toBe('SUCCESS');
    expect(node.output?.body).toMatchObject({ authorization: 'Bearer [secret]' });
    expect(node.output?.headers).toMatchObject({ 'x-seen-auth': 'Bearer [secret]' });
    expect(JSON.stringify(workflow(data))).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it('keeps the secret out of the error of a failed call too', async () => {
    const { result, events, node } = await run({
      url: `http://api.test:${port}/denied`,
      auth: { ...auth, scheme: 'token' },
    });
    expect(seen[0]!.headers.authorization).toBe(`token ${SECRET}`);
    expect(node.error).toMatchObject({ code: 'E_HTTP_STATUS', details: { status: 401 } });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it('sends a host-bound secret only to its hosts, so a workflow cannot hand it to another server', async () => {
    const secrets = { GITHUB_TOKEN: { value: SECRET, hosts: ['api.test'] } };
    const allowed = await run({ url: `http://api.test:${port}/echo`, auth }, {}, { secrets });
    expect(allowed.node.status).toBe('SUCCESS');
    expect(seen).toHaveLength(1);
    const refused = await run({ url: `http://other.test:${port}/echo`, auth }, {}, { secrets });
    expect(refused.node.error).toMatchObject({
      code: 'E_HTTP_SECRET_HOST',
      details: { host: 'other.test' },
    });
    expect(refused.node.error?.message).toBe(
      'The secret GITHUB_TOKEN may only be sent to api.test, not to other.test.',
    );
    expect(seen).toHaveLength(1);
    expect(hostAllowed('uploads.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('API.test.', ['api.test'])).toBe(true);
  });

  it('fails when the server has no secret by that name', async () => {
    const { node } = await run({
      url: `http://api.test:${port}/echo`,
      auth: { secret: 'NOT_CONFIGURED' },
    });
    expect(node.error).toMatchObject({
      code: 'E_HTTP_SECRET_MISSING',
      details: { secret: 'NOT_CONFIGURED' },
    });
    expect(seen).toEqual([]);
  });

  it('drops the credentials when a redirect leaves the origin, keeps them on the same origin', async () => {
    const same = await run({
      url: `http://api.test:${port}/redirect?to=${encodeURIComponent('/echo/same')}`,
      auth,
    });
    expect(same.node.output?.body).toMatchObject({
      path: '/echo/same',
      authorization: 'Bearer [secret]',
    });
    seen.length = 0;
    const away = await run({
      url: `http://api.test:${port}/redirect?to=${encodeURIComponent(`http://other.test:${port}/echo/away`)}`,
      auth,
    });
    expect(away.node.output?.body).toMatchObject({ path: '/echo/away', authorization: null });
    expect(seen[1]!.headers.authorization).toBeUndefined();
  });
});

describe('http node: SSRF guard', () => {
  it.each([
    ['loopback (no exemption)', () => `http://127.0.0.1:${port}/echo`],
    ['loopback in decimal', () => `http://2130706433:${port}/echo`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.8/'],
    ['a name resolving to a private address', () => 'http://intranet.test/'],
    ['localhost', () => `http://localhost:${port}/echo`],
  ])('refuses %s before sending anything', async (_, url) => {
    const { node } = await run(
      { url: url() },
      {},
      { httpRequest: createHttpRequester({ resolve }) },
    );
    expect(node.error).toMatchObject({ code: 'E_HTTP_BLOCKED' });
    expect(seen).toEqual([]);
  });

  it('re-checks every redirect hop', async () => {
    const { node } = await run({
      url: `http://api.test:${port}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/')}`,
    });
    expect(node.error).toMatchObject({ code: 'E_HTTP_BLOCKED' });
    expect(node.error?.message).toContain('169.254.169.254 is a link-local address');
    expect(seen).toHaveLength(1);
  });
});
