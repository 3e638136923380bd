import type { Page } from '@playwright/test';
import { edge, toolbar } from './support/editor';
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
  snap,
}) => {
  await signIn(page);
  await page.getByRole('button', { name: 'New' }).click();
  await page.getByRole('button', { name: /^Blank workflow/ }).click();
  await expect(toolbar(page).getByText('Add a node to run the workflow.')).toBeAttached();
  await expectFits(page);

  // A JSON node fails on text that is not JSON: a failed run without calling a model (the
  // worker's server is shared, and provider failures would trip its circuit breaker for others).
  const workflow = await (await api()).createWorkflow({
    name: 'A workflow with a rather long name for the toolbar',
    nodes: [
      {
        id: 'q',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Question', text: 'not json at all' },
      },
      {
        id: 'a',
        type: 'json',
        position: { x: 340, y: 0 },
        data: { label: 'Answer', failureMode: 'fail_safe' },
      },
      { id: 's', type: 'debug', position: { x: 700, y: 0 }, data: { label: 'Show' } },
    ],
    edges: [edge('q', 'text', 'a', 'value'), edge('a', 'json', 's', 'value')],
  });
  await page.goto(`/w/${workflow.id}`);
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByRole('button', { name: /^"Answer" failed: / })).toBeVisible();
  await expectFits(page);
  await snap(page, 'failed-run-1280');
});
