import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, rawRequest, startTestApp, TEST_TOKEN } from './testSupport';

/** Traces of a stack or of this machine's folders in a response body. */
const LEAK =
  /ENOENT|URIError|\bat [\w.<]+ \(|node_modules|[/\\](tmp|work|home|app|usr)[/\\]|\.[cm]?[jt]s:\d+/i;

let running: RunningApp;
const previousEnv = process.env.NODE_ENV;
beforeAll(async () => {
  // As with `npm start`: Express renders stacks whenever NODE_ENV is not production.
  delete process.env.NODE_ENV;
  running = await startTestApp();
});
afterAll(async () => {
  await running.close();
  if (previousEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = previousEnv;
});

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

describe('no response carries a stack or a server path', () => {
  it('a missing asset answers a plain 404', async () => {
    const res = await rawRequest(running.port, 'GET', '/assets/nonexist.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).not.toMatch(LEAK);
  });

  it.each(['/%ff%fe', '/assets/%ff', '/%E0%A4%A'])(
    '%s (does not decode) answers a plain 400',
    async (path) => {
      const res = await rawRequest(running.port, 'GET', path);
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(LEAK);
    },
  );

  it('an API path that does not decode answers a 400 problem', async () => {
    const res = await rawRequest(running.port, 'GET', '/api/workflows/%ff%fe', auth);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'E_INVALID_PATH' });
    expect(res.text).not.toMatch(LEAK);
  });

  it('the editor page and its assets are still served', async () => {
    expect((await rawRequest(running.port, 'GET', '/assets/app.js')).status).toBe(200);
    const page = await rawRequest(running.port, 'GET', '/some/editor/route');
    expect([page.status, page.headers['content-type']]).toEqual([
      200,
      expect.stringMatching(/^text\/html/),
    ]);
  });
});

describe('the API prefix never answers the editor page', () => {
  it.each(['/api/nope', '/api', '/api/', '/Api/Workflows', '/api//workflows'])(
    'GET %s answers a 404 problem',
    async (path) => {
      const res = await rawRequest(running.port, 'GET', path, auth);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'E_NOT_FOUND' });
    },
  );

  it('an encoded dot segment answers 400 instead of reaching POST /execute', async () => {
    const res = await rawRequest(running.port, 'POST', '/api/anything/%2e%2e/execute', {
      ...auth,
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'E_INVALID_PATH' });
  });
});

describe('liveness and readiness', () => {
  it('/api/health and /api/ready answer 200 while the database takes writes', async () => {
    expect((await rawRequest(running.port, 'GET', '/api/health')).status).toBe(200);
    const ready = await rawRequest(running.port, 'GET', '/api/ready');
    expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { status: 'ok' }]);
  });
});
