// Starts the production build (`npm run build` first) with `next start` on a free loopback
// port and a fresh database, then checks the page in Chromium (sign in, the editor opens the
// first workflow, Run shows its output) and the API over HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const token = randomBytes(24).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-next-'));
let server;
let origin;
let browser;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (!existsSync(join(root, '.next', 'BUILD_ID')))
    throw new Error('No build: run `npm run build` first.');
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
  server = spawn(
    process.execPath,
    [next, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: root,
      env: { ...process.env, GALAXY_TOKEN: token, GALAXY_DB: join(dataDir, 'galaxy.db') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, stopped as one in after()
    },
  );
  let output = '';
  for (const stream of [server.stdout, server.stderr])
    stream.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`next start exited (${server.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s:\n${output}`);
    const health = await fetch(`${origin}/api/health`).catch(() => undefined);
    if (health?.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await chromium.launch({
    // Playwright's own Chromium (`npx playwright install chromium`) unless this names another.
    executablePath: process.env.CHROMIUM_PATH || undefined,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (server?.exitCode === null) process.kill(-server.pid, 'SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

const authorized = { authorization: `Bearer ${token}` };

async function call(method, path, body) {
  const response = await fetch(`${origin}/api${path}`, {
    method,
    headers: body ? { ...authorized, 'content-type': 'application/json' } : authorized,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A node on the canvas, by its label: the group holding its "Run to here: <label>" button. */
const canvasNode = (page, label) =>
  page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: `Run to here: ${label}`, exact: true }) });

test('the page is rendered on the server with the sign-in form', async () => {
  const response = await fetch(origin);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/html/);
  const html = await response.text();
  assert.match(html, /<title>Galaxy Flow<\/title>/);
  assert.match(html, /Sign in to Galaxy Flow/);
});

test('a person signs in, the editor opens their first workflow, and Run shows its output', async () => {
  const page = await browser.newPage();
  const failures = [];
  page.on('pageerror', (error) => failures.push(error.message));
  await page.goto(origin);

  await page.getByLabel('API token').fill('not-the-token-at-all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('That token was not accepted.').waitFor();

  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const toolbar = page.getByRole('toolbar', { name: 'Workflow editor' });
  await canvasNode(page, 'Debug').waitFor();
  await toolbar.getByRole('button', { name: 'Run', exact: true }).click();
  await toolbar.getByText('Run succeeded').waitFor();
  const output = canvasNode(page, 'Debug').getByRole('region', { name: 'Output' });
  assert.equal(await output.textContent(), 'Hello from Next.js');
  assert.deepEqual(failures, []);

  // The run went through the API and is stored there.
  const runs = await call('GET', '/runs');
  assert.equal(runs.body.items.length, 1);
  assert.equal(runs.body.items[0].status, 'SUCCESS');
});

test('the API answers: health, a refused request, a workflow created, run and read back', async () => {
  const health = await fetch(`${origin}/api/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  const anonymous = await fetch(`${origin}/api/workflows`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('content-type'), /^application\/problem\+json/);

  const created = await call('POST', '/workflows', {
    name: 'Over HTTP',
    nodes: [
      { id: 'hello', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Hello, API' } },
      { id: 'show', type: 'debug', position: { x: 300, y: 0 }, data: {} },
    ],
    edges: [
      { id: 'e1', source: 'hello', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const executed = await call('POST', '/execute', { workflowId: created.body.id });
  assert.equal(executed.status, 202, JSON.stringify(executed.body));
  const { runId } = executed.body;

  // The event stream closes after run:finish, so reading it to the end waits for the run.
  const stream = await fetch(`${origin}/api/runs/${runId}/events`, {
    headers: authorized,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(stream.status, 200);
  assert.match(await stream.text(), /"type":"run:finish"/);

  const run = await call('GET', `/runs/${runId}`);
  assert.equal(run.body.run.status, 'SUCCESS');
  const show = run.body.nodeResults.find((result) => result.nodeId === 'show');
  assert.deepEqual(show.output, { value: 'Hello, API' });
});
