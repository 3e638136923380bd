import type { Page } from '@playwright/test';
import { askWorkflow, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test.use({ viewport: { width: 1280, height: 800 } });

/** The toolbar is one row, the page does not overflow the window, and key controls are on screen. */
async function expectFits(page: Page) {
  const bar = (await toolbar(page).boundingBox())!;
  expect(bar.height).toBeLessThanOrEqual(48);
  const size = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
  expect(size.width).toBeLessThanOrEqual(1280);
  expect(size.height).toBeLessThanOrEqual(800);
  for (const control of [
    page.getByRole('button', { name: 'Sign out' }),
    toolbar(page).getByRole('button', { name: 'Run', exact: true }),
    page.getByRole('button', { name: 'Zoom In' }),
  ]) {
    const box = (await control.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
  }
}

test('at 1280x800 the toolbar stays one row and the page fits, empty and after a failed run', async ({
  page,
  signIn,
  api,
  llm,
  snap,
}) => {
  await signIn(page);
  await page.getByRole('button', { name: 'New' }).click();
  await page.getByRole('button', { name: /^Blank workflow/ }).click();
  await expect(toolbar(page).getByText('Add a node to run the workflow.')).toBeAttached();
  await expectFits(page);

  const ask = askWorkflow('Is anyone there?');
  ask.nodes[1]!.data = {
    ...ask.nodes[1]!.data,
    failureMode: 'fail_safe',
    retryPolicy: { maxAttempts: 1 },
  };
  const workflow = await (await api()).createWorkflow({
    name: 'A workflow with a rather long name for the toolbar',
    ...ask,
  });
  llm.enqueue(
    ...Array.from({ length: 3 }, () => ({
      type: 'error' as const,
      status: 500,
      message: 'Backend on fire',
    })),
  );
  await page.goto(`/w/${workflow.id}`);
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByRole('button', { name: /^"Answer" failed: / })).toBeVisible();
  await expectFits(page);
  await snap(page, 'failed-run-1280');
});
