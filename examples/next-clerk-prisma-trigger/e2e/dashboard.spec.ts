import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/** A saved workflow that runs without an LLM: Text → JSON → Debug. */
const workflow = {
  name: 'Greeting pipeline',
  description: 'Saved before the editor opens it.',
  tags: ['e2e'],
  nodes: [
    { id: 'greeting', type: 'text', position: { x: 0, y: 0 }, data: { text: '{"hello":"world"}' } },
    { id: 'parse', type: 'json', position: { x: 320, y: 0 }, data: {} },
    { id: 'show', type: 'debug', position: { x: 640, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'greeting', sourceHandle: 'text', target: 'parse', targetHandle: 'value' },
    { id: 'e2', source: 'parse', sourceHandle: 'json', target: 'show', targetHandle: 'value' },
  ],
};

/** A canvas node by its label (the editor names its "Run to here" button after it). */
function canvasNode(page: Page, label: string) {
  return page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: `Run to here: ${label}`, exact: true }) });
}

const toolbar = (page: Page) => page.getByRole('toolbar', { name: 'Workflow editor' });

/** Signs in through the test sign-in page, as the dashboard's gate sends a visitor there. */
async function signIn(page: Page, user: string): Promise<void> {
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/e2e-sign-in\?redirect_url=%2Fdashboard$/);
  await page.getByLabel('User').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText(`Signed in as ${user}`)).toBeVisible();
}

async function saveWorkflow(context: BrowserContext): Promise<string> {
  const response = await context.request.post('/api/workflows', { data: workflow });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

test('the sign-in gate: signed out, the dashboard sends you to sign in and the API answers 401', async ({
  page,
  request,
}) => {
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/e2e-sign-in\?redirect_url=%2Fdashboard$/);
  await expect(page.getByRole('heading', { name: 'Test sign-in' })).toBeVisible();
  const api = await request.get('/api/workflows');
  expect(api.status()).toBe(401);
  expect(api.headers()['content-type']).toContain('application/problem+json');
  // Readiness stays public: the image's HEALTHCHECK and load balancers ask without a session.
  expect((await request.get('/api/ready')).status()).toBe(200);
});

test('a signed-in user opens a saved workflow, runs it, and sees every node finish; another user gets 404', async ({
  page,
  browser,
}) => {
  await signIn(page, 'alice');
  const workflowId = await saveWorkflow(page.context());

  await test.step('the editor loads the saved workflow', async () => {
    await page.reload();
    await page
      .getByRole('navigation', { name: 'Workflows' })
      .getByRole('button', { name: workflow.name })
      .click();
    for (const label of ['Text', 'JSON', 'Debug'])
      await expect(canvasNode(page, label)).toBeVisible();
    await expect(page.getByRole('group', { name: /^Edge from / })).toHaveCount(2);
  });

  await test.step('Run streams each node’s status to the end', async () => {
    // The statuses reach the page through the run's event stream, not by reloading it.
    const stream = page.waitForResponse(
      (response) => /\/api\/runs\/[^/]+\/events/.test(response.url()) && response.ok(),
    );
    await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
    expect((await stream).headers()['content-type']).toContain('text/event-stream');
    await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
    for (const label of ['Text', 'JSON', 'Debug']) {
      await expect(canvasNode(page, label).getByText('Done', { exact: true })).toBeVisible();
    }
    await expect(canvasNode(page, 'Debug').getByRole('region', { name: 'Output' })).toContainText(
      'world',
    );
  });

  await test.step('the run is stored as succeeded', async () => {
    const runs = await page.context().request.get(`/api/runs?workflowId=${workflowId}`);
    expect(runs.status()).toBe(200);
    const [run] = ((await runs.json()) as { items: { id: string; status: string }[] }).items;
    expect(run?.status).toBe('SUCCESS');
  });

  await test.step('a second user gets 404 on the first user’s workflow', async () => {
    const bobContext = await browser.newContext();
    try {
      const bob = await bobContext.newPage();
      await signIn(bob, 'bob');
      await expect(
        bob
          .getByRole('navigation', { name: 'Workflows' })
          .getByRole('button', { name: workflow.name }),
      ).toHaveCount(0);
      const response = await bobContext.request.get(`/api/workflows/${workflowId}`);
      expect(response.status()).toBe(404);
    } finally {
      await bobContext.close();
    }
  });
});
