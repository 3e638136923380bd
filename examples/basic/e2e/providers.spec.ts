import { randomBytes } from 'node:crypto';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { askWorkflow, canvasNode, nodeSettings, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';
import { type RunningServer, startServer } from './support/server';

// A server with one local OpenAI-compatible provider and no Gemini key: the setup the issue
// describes, where new nodes and templates used to start on Gemini and fail.
let local: LLMStub;
let server: RunningServer;
const token = randomBytes(16).toString('hex');

test.beforeAll(async () => {
  local = await startLLMStub();
  server = await startServer({
    env: { AUTH_TOKENS: `${token}=carol`, OPENAI_COMPATIBLE_BASE_URL: `${local.url}/v1` },
  });
});
test.afterAll(async () => {
  await server?.stop();
  await local?.close();
});

test.use({ viewport: { width: 1280, height: 800 } });

test('the Provider field lists exactly what the server configured, flags what it lacks before Run, and the server default answers', async ({
  page,
  playwright,
  snap,
}) => {
  const request = await playwright.request.newContext({
    baseURL: server.url,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const providers = await (await request.get('/api/providers')).json();
  expect(providers).toMatchObject({ defaultProvider: 'openai-compatible' });
  expect(JSON.stringify(providers)).not.toContain(local.url);
  const created = await request.post('/api/workflows', {
    data: { name: 'Ask locally', ...askWorkflow('Why is the sky blue?') },
  });
  const workflow = (await created.json()) as { id: string };
  await request.dispose();

  await page.goto(`${server.url}/?token=${token}`);
  await expect(page.getByRole('navigation', { name: 'Workflows' })).toBeVisible();
  await page.goto(`${server.url}/w/${workflow.id}`);

  // The node names Gemini, which this server does not have: flagged by its title, Run disabled.
  const answer = canvasNode(page, 'Answer');
  const provider = (await nodeSettings(page, 'Answer')).getByRole('combobox', { name: 'Provider' });
  await expect(provider.getByRole('option')).toHaveText([
    'gemini (not on this server)',
    'Server default (OpenAI-compatible server)',
    'OpenAI-compatible server',
  ]);
  const run = toolbar(page).getByRole('button', { name: 'Run', exact: true });
  await expect(run).toBeDisabled();
  await expect(toolbar(page)).toContainText(
    '"Answer" uses Gemini, which this server does not have',
  );
  await snap(page, 'provider-missing');

  // Back on the server default, the one provider the server has answers.
  await provider.selectOption({ label: 'Server default (OpenAI-compatible server)' });
  await expect(provider.getByRole('option')).toHaveText([
    'Server default (OpenAI-compatible server)',
    'OpenAI-compatible server',
  ]);
  local.enqueue({ type: 'text', text: 'Rayleigh scattering.' });
  await expect(run).toBeEnabled();
  await run.click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(statusOf(answer, 'Done')).toBeVisible();
  await expect(canvasNode(page, 'Show').getByRole('region', { name: 'Output' })).toHaveText(
    'Rayleigh scattering.',
  );
  expect(local.requests.map((r) => r.api)).toEqual(['openai']);
});
