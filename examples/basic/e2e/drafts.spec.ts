import type { Page } from '@playwright/test';
import { askWorkflow, canvasNodes, nodeSettings } from './support/editor';
import { expect, test } from './support/fixtures';

/** The keys of this page's local storage that hold editor drafts. */
async function draftKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(window.localStorage).filter((key) => key.includes('draft')));
}

test('unsaved edits are kept as the signed-in user’s draft, and signing out leaves none behind', async ({
  page,
  signIn,
  api,
  server,
  snap,
}) => {
  const workflow = await (await api('alice')).createWorkflow({
    name: 'Draft me',
    ...askWorkflow('Saved question'),
  });
  await signIn(page, 'alice');
  await page.goto(`/w/${workflow.id}`);
  const question = async () => (await nodeSettings(page, 'Question')).getByRole('textbox', { name: 'Text' });
  await (await question()).fill('Unsaved question');

  // The draft is under a key of Alice's own, which does not spell out her token.
  await expect.poll(() => draftKeys(page)).toHaveLength(1);
  const [key] = await draftKeys(page);
  expect(key).toMatch(new RegExp(`^galaxyflow-basic:draft:[0-9a-z]+:${workflow.id}$`));
  expect(key).not.toContain(server.tokens.alice);

  // A reload (or a crash) offers it back.
  await page.reload();
  const offer = page.getByRole('alert').filter({ hasText: 'Unsaved changes from' });
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Restore them' }).click();
  await expect(await question()).toHaveValue('Unsaved question');
  await snap(page, 'draft-restored');

  // Type and sign out at once: the editor writes its pending draft as it closes, and the
  // sign-out still leaves no draft, nor the token, in this browser.
  await (await question()).fill('Typed just before signing out');
  await page.getByRole('navigation', { name: 'Workflows' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('form', { name: 'Sign in to Galaxy Flow' })).toBeVisible();
  expect(await draftKeys(page)).toEqual([]);
  expect(await page.evaluate(() => window.localStorage.getItem('galaxyflow.token'))).toBeNull();

  // Alice back at the same browser finds her saved workflow, and no draft to restore.
  await signIn(page, 'alice');
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(3);
  await expect(await question()).toHaveValue('Saved question');
  await expect(page.getByText(/Unsaved changes from/)).toHaveCount(0);
});
