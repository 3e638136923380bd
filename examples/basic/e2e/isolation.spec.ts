import { randomUUID } from 'node:crypto';
import { canvasNodes, nodeSettings, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

const secret = 'alice-only: the launch code is 4-8-15-16';

test('a second user neither sees the first user’s workflow in the list nor opens it by URL', async ({
  browser,
  page,
  pageErrors,
  signIn,
  api,
  snap,
}) => {
  const aliceApi = await api('alice');
  const alices = await aliceApi.createWorkflow({
    name: 'Alice’s private plan',
    nodes: [
      { id: 'note', type: 'text', position: { x: 0, y: 0 }, data: { label: 'Note', text: secret } },
    ],
    edges: [],
  });
  await (await api('bob')).createWorkflow({ name: 'Bob’s notes', nodes: [], edges: [] });

  // Alice can open it at its address: that address is what Bob will try.
  await signIn(page, 'alice');
  await page.goto(`/w/${alices.id}`);
  await expect((await nodeSettings(page, 'Note')).getByRole('textbox', { name: 'Text' })).toHaveValue(secret);

  const bobContext = await browser.newContext();
  bobContext.on('weberror', (webError) => pageErrors.push(webError.error()));
  try {
    const bob = await bobContext.newPage();
    await signIn(bob, 'bob');
    const list = bob.getByRole('navigation', { name: 'Workflows' });
    await expect(list.getByRole('link')).toHaveText([/Bob’s notes/]);
    await bob.getByRole('searchbox', { name: 'Search workflows' }).fill('Alice');
    await expect(list.getByText('No workflow matches.')).toBeVisible();
    await snap(bob, 'second-user-list');

    await bob.goto(`/w/${alices.id}`);
    const refusal = bob.getByRole('alert');
    await expect(refusal).toContainText('Could not load the workflow');
    await expect(canvasNodes(bob)).toHaveCount(0);
    await expect(list.getByRole('link', { name: /Alice/ })).toHaveCount(0);
    await snap(bob, 'second-user-opens-by-url');

    // The refusal reads exactly as for an address that leads nowhere: it does not even
    // confirm that the workflow exists.
    const refusalText = (await refusal.textContent()) ?? '';
    await bob.goto(`/w/${randomUUID()}`);
    await expect(bob.getByRole('alert')).toHaveText(refusalText);
    await bob.goto(`/w/${alices.id}`);
    await expect(refusal).toHaveText(refusalText);

    // Nor can Bob overwrite it by saving his own canvas over that address.
    await bob.getByRole('button', { name: 'Add Text node' }).click();
    await toolbar(bob).getByRole('button', { name: 'Save', exact: true }).click();
    await expect(bob.getByRole('alert').filter({ hasText: 'Could not save' })).toBeVisible();
  } finally {
    await bobContext.close();
  }

  await page.reload();
  await expect((await nodeSettings(page, 'Note')).getByRole('textbox', { name: 'Text' })).toHaveValue(secret);
  await expect(canvasNodes(page)).toHaveCount(1);
});
