import { randomBytes } from 'node:crypto';
import { expect, test as base } from './support/fixtures';
import { type RunningServer, startServer } from './support/server';

// The first start without AUTH_TOKENS: the app makes a token and prints a login URL.
const test = base.extend<{ firstStart: RunningServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; there are none
  firstStart: async ({}, use) => {
    const server = await startServer({ env: {} });
    await use(server);
    await server.stop();
  },
});

test('the printed login URL signs in, leaves no token in the address bar, and a wrong token is refused', async ({
  page,
  firstStart,
  snap,
}) => {
  expect(firstStart.loginUrl).toMatch(new RegExp(`^${firstStart.url}/\\?token=[0-9a-f]{48}$`));
  const token = new URL(firstStart.loginUrl!).searchParams.get('token')!;

  await page.goto(firstStart.loginUrl!);
  const list = page.getByRole('navigation', { name: 'Workflows' });
  await expect(list.getByText('No workflows yet: press New.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Galaxy Flow' })).toBeVisible();
  await expect(page).toHaveURL(`${firstStart.url}/`);
  await snap(page, 'signed-in');

  // The token is kept in this browser: a reload stays signed in.
  await page.reload();
  await expect(list.getByText('No workflows yet: press New.')).toBeVisible();

  await list.getByRole('button', { name: 'Sign out' }).click();
  const signInForm = page.getByRole('form', { name: 'Sign in to Galaxy Flow' });
  await expect(signInForm).toBeVisible();
  await signInForm.getByLabel('Token').fill(randomBytes(24).toString('hex'));
  await signInForm.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That token was not accepted/);
  await snap(page, 'token-refused');

  await signInForm.getByLabel('Token').fill(token);
  await signInForm.getByRole('button', { name: 'Sign in' }).click();
  await expect(list.getByText('No workflows yet: press New.')).toBeVisible();
});
