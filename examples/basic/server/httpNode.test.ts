import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsFromEnv } from './secrets';
import { type RunningApp, startTestApp, TEST_TOKEN } from './testSupport';

const SECRET = 'sk-live-REFERENCE-APP-SECRET-42';
const auth = { authorization: `Bearer ${TEST_TOKEN}` };
let api: Server;
let apiPort: number;
let running: RunningApp;
let base: string;
const received: (string | undefined)[] = [];

beforeAll(async () => {
  // An API on loopback that echoes the credentials it got, as a debugging endpoint would.
  api = createServer((req, res) => {
    received.push(req.headers.authorization);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ youSent: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiPort = (api.address() as AddressInfo).port;
  // Loopback is exempt from the SSRF guard in this test only; the app never passes this option.
  running = await startTestApp(
    {},
    {
      env: { GALAXY_SECRET_API_TOKEN: SECRET, GALAXY_SECRET_HOSTS_API_TOKEN: '127.0.0.1' },
      httpRequester: { allowAddresses: ['127.0.0.1'] },
    },
  );
  base = `http://127.0.0.1:${running.port}/api`;
});
afterAll(async () => {
  await running?.close();
  await new Promise((resolve) => api?.close(resolve));
});

async function execute(
  url: string,
  withSecret = true,
): Promise<{ runId: string; run: { status: string; nodes?: unknown } }> {
  const started = await fetch(`${base}/execute`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      nodes: [
        {
          id: 'call',
          type: 'http',
          data: {
            url,
            ...(withSecret ? { auth: { secret: 'API_TOKEN' } } : {}),
            retryPolicy: { maxAttempts: 1 },
          },
        },
        { id: 'show', type: 'debug', data: {} },
      ],
      edges: [
        { id: 'e', source: 'call', sourceHandle: 'body', target: 'show', targetHandle: 'value' },
      ],
      settings: { failureMode: 'fail_safe' },
    }),
  });
  expect(started.status).toBe(202);
  const { runId } = (await started.json()) as { runId: string };
  for (let i = 0; i < 200; i++) {
    const { run } = (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as {
      run: { status: string };
    };
    if (!['QUEUED', 'RUNNING'].includes(run.status)) return { runId, run };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('The run did not finish.');
}

describe('HTTP Request nodes in the reference app', () => {
  it('reads secrets from GALAXY_SECRET_<NAME>, each bound to the hosts in GALAXY_SECRET_HOSTS_<NAME>', () => {
    expect(
      secretsFromEnv({
        GALAXY_SECRET_GITHUB_TOKEN: 'x',
        GALAXY_SECRET_HOSTS_GITHUB_TOKEN: 'api.github.com, uploads.github.com',
        GALAXY_SECRET_LOCAL: 'y',
        GALAXY_SECRET_HOSTS_LOCAL: '*',
        GALAXY_SECRET_EMPTY: '',
        OTHER: 'z',
      }),
    ).toEqual({
      GITHUB_TOKEN: { value: 'x', hosts: ['api.github.com', 'uploads.github.com'] },
      LOCAL: { value: 'y' },
    });
    expect(() => secretsFromEnv({ GALAXY_SECRET_GITHUB_TOKEN: 'x' })).toThrow(
      'GALAXY_SECRET_GITHUB_TOKEN needs GALAXY_SECRET_HOSTS_GITHUB_TOKEN: the host names it may be sent to',
    );
    expect(() =>
      secretsFromEnv({ GALAXY_SECRET_lower: 'x', GALAXY_SECRET_HOSTS_lower: '*' }),
    ).toThrow('a secret name is capitals');
    expect(() => secretsFromEnv({ GALAXY_SECRET_HOSTS_GONE: 'a.example' })).toThrow(
      'a secret that is not set (GALAXY_SECRET_GONE)',
    );
  });

  it('refuses to send a secret to a host it is not bound to', async () => {
    const { runId } = await execute(`http://localhost.example:${apiPort}/whoami`);
    const detail = (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as {
      nodeResults: { nodeId: string; status: string; error?: { code: string } }[];
    };
    expect(detail.nodeResults.find((result) => result.nodeId === 'call')).toMatchObject({
      status: 'FAILED',
      error: { code: 'E_HTTP_SECRET_HOST' },
    });
  });

  it('sends the named secret, and its value appears nowhere in the run record, the event stream or the database', async () => {
    const { runId, run } = await execute(`http://127.0.0.1:${apiPort}/whoami`);
    expect(run.status).toBe('SUCCESS');
    expect(received).toEqual([`Bearer ${SECRET}`]);
    const record = await (await fetch(`${base}/runs/${runId}`, { headers: auth })).text();
    expect(record).toContain('"youSent":"Bearer [secret]"');
    const events = await (await fetch(`${base}/runs/${runId}/events`, { headers: auth })).text();
    expect(events).toContain('run:finish');
    expect(record).not.toContain(SECRET);
    expect(events).not.toContain(SECRET);
    for (const file of readdirSync(running.dataDir).filter((name) =>
      name.startsWith('galaxy.db'),
    )) {
      expect(readFileSync(join(running.dataDir, file)).includes(SECRET)).toBe(false);
    }
  });

  it('refuses private addresses (only the test loopback is exempt)', async () => {
    const { runId, run } = await execute('http://10.20.30.40/admin', false);
    expect(run.status).toBe('FAILED');
    const detail = (await (await fetch(`${base}/runs/${runId}`, { headers: auth })).json()) as {
      nodeResults: { nodeId: string; status: string; error?: { code: string } }[];
    };
    expect(detail.nodeResults.find((result) => result.nodeId === 'call')).toMatchObject({
      status: 'FAILED',
      error: { code: 'E_HTTP_BLOCKED' },
    });
  });
});
