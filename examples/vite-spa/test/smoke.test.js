// Serves the production build (`npm run build` first) on a free loopback port, opens it in
// Chromium and runs the Hello workflow as a person would: the editor shows it, Run runs it in
// the page, and the Debug node shows the text. Nothing but the page's own files is fetched.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
let server;
let browser;

before(async () => {
  if (!existsSync(`${root}/dist/index.html`))
    throw new Error('No build: run `npm run build` first.');
  server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
  browser = await chromium.launch({
    // Playwright's own Chromium (`npx playwright install chromium`) unless this names another.
    executablePath: process.env.CHROMIUM_PATH || undefined,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A node on the canvas, by its label: the group holding its "Run to here: <label>" button. */
const canvasNode = (page, label) =>
  page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: `Run to here: ${label}`, exact: true }) });

test('the editor opens the Hello workflow and runs it in the page', async () => {
  const origin = new URL(server.resolvedUrls.local[0]).origin;
  const page = await browser.newPage();
  const failures = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
  });
  const requests = [];
  page.on('request', (request) => requests.push(request));

  await page.goto(origin);
  const toolbar = page.getByRole('toolbar', { name: 'Workflow editor' });
  await toolbar.getByText('Hello, Galaxy Flow').waitFor();
  await page.getByRole('navigation', { name: 'Node palette' }).waitFor();
  await canvasNode(page, 'Text').waitFor();
  await canvasNode(page, 'Debug').waitFor();

  await toolbar.getByRole('button', { name: 'Run', exact: true }).click();
  await toolbar.getByText('Run succeeded').waitFor();
  const output = canvasNode(page, 'Debug').getByRole('region', { name: 'Output' });
  assert.equal(await output.textContent(), 'Hello from your browser');

  assert.deepEqual(failures, []);
  for (const request of requests) {
    assert.equal(new URL(request.url()).origin, origin, `${request.url()} left the page's origin`);
    assert.equal(request.method(), 'GET', `${request.method()} ${request.url()}`);
  }
});
