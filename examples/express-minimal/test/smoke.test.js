// Starts the server as `npm start` does, on a free port with a fresh database, and drives the
// API over HTTP: create a Text -> Debug workflow, run it, follow the run's event stream to its
// end and read the stored run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const token = randomBytes(24).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-express-'));
let server;
let api;

before(async () => {
  server = spawn(process.execPath, ['server.js'], {
    cwd: new URL('..', import.meta.url),
    env: {
      ...process.env,
      GALAXY_TOKEN: token,
      GALAXY_DB: join(dataDir, 'galaxy.db'),
      HOST: '127.0.0.1',
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  api = await new Promise((resolve, reject) => {
    let output = '';
    server.stdout.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/Galaxy Flow API on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`The server exited (${code}):\n${output}`)));
  });
});

after(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const authorized = { authorization: `Bearer ${token}` };

async function call(method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body ? { ...authorized, 'content-type': 'application/json' } : authorized,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test('the API answers health checks and refuses a request without the token', async () => {
  const health = await fetch(`${api}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  const anonymous = await fetch(`${api}/workflows`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal((await anonymous.json()).code, 'E_UNAUTHORIZED');
});

test('a Text -> Debug workflow is created, runs, streams its events and is stored', async () => {
  const created = await call('POST', '/workflows', {
    name: 'Hello',
    nodes: [
      { id: 'hello', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Hello, Express' } },
      { id: 'show', type: 'debug', position: { x: 300, y: 0 }, data: {} },
    ],
    edges: [
      { id: 'e1', source: 'hello', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.version, 1);

  const executed = await call('POST', '/execute', { workflowId: created.body.id });
  assert.equal(executed.status, 202, JSON.stringify(executed.body));
  const { runId } = executed.body;

  // The stream replays the run from its start and closes after run:finish.
  const stream = await fetch(`${api}/runs/${runId}/events`, {
    headers: authorized,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type'), /^text\/event-stream/);
  const events = (await stream.text())
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)));
  assert.equal(events[0].type, 'run:start');
  const last = events.at(-1);
  assert.equal(last.type, 'run:finish');
  assert.equal(last.status, 'SUCCESS');
  const finished = events.filter((event) => event.type === 'node:finish');
  assert.deepEqual(finished.map((event) => event.nodeId).sort(), ['hello', 'show']);

  const run = await call('GET', `/runs/${runId}`);
  assert.equal(run.status, 200);
  assert.equal(run.body.run.status, 'SUCCESS');
  const show = run.body.nodeResults.find((result) => result.nodeId === 'show');
  assert.equal(show.status, 'SUCCESS');
  assert.deepEqual(show.output, { value: 'Hello, Express' });
});

test('without GALAXY_TOKEN the server does not start, and says what to set', () => {
  const { GALAXY_TOKEN: _unset, ...env } = process.env;
  const result = spawnSync(process.execPath, ['server.js'], {
    cwd: new URL('..', import.meta.url),
    env: { ...env, GALAXY_DB: join(dataDir, 'unused.db'), PORT: '0' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Set GALAXY_TOKEN/);
});

test('SIGTERM stops the server cleanly', async () => {
  const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 0);
});
