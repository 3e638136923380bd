import type { Page } from '@playwright/test';
import { edge, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** Nothing sticks out of the 390 px window, and the page does not scroll sideways or down. */
async function expectFits(page: Page) {
  const size = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
  expect(size.width).toBeLessThanOrEqual(390);
  expect(size.height).toBeLessThanOrEqual(844);
  const bar = (await toolbar(page).boundingBox())!;
  expect(bar.height).toBeLessThanOrEqual(48);
  expect(bar.x + bar.width).toBeLessThanOrEqual(390);
  for (const button of await toolbar(page).getByRole('button').all()) {
    if (!(await button.isVisible())) continue;
    const box = (await button.boundingBox())!;
    expect(box.x + box.width, (await button.textContent()) ?? '').toBeLessThanOrEqual(390);
  }
}

test('on a phone: the list, then a workflow, Run, its steps with live statuses and outputs, and the canvas full width with touch pan and pinch', async ({
  page,
  signIn,
  api,
  llm,
  snap,
}) => {
  await (await api('carol')).createWorkflow({
    name: 'Sky colour',
    nodes: [
      {
        id: 'q',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Question', text: 'Name a colour of the sky.' },
      },
      {
        id: 'a',
        type: 'llm',
        position: { x: 340, y: 0 },
        data: { label: 'Answer', provider: 'gemini' },
      },
      { id: 's', type: 'debug', position: { x: 720, y: 0 }, data: { label: 'Show' } },
    ],
    edges: [edge('q', 'text', 'a', 'prompt'), edge('a', 'text', 's', 'value')],
  });
  await signIn(page, 'carol');
  const list = page.getByRole('navigation', { name: 'Workflows' });
  const listBox = (await list.boundingBox())!;
  expect(listBox.width).toBeGreaterThan(350);
  await list.getByRole('link', { name: /Sky colour/ }).click();
  await expect(list).toBeHidden();

  const steps = page.getByRole('region', { name: 'Steps' });
  await expect(steps.getByRole('listitem')).toHaveCount(3);
  await expect(steps.getByRole('listitem').first()).toContainText('Question');
  await expectFits(page);
  await snap(page, 'phone-steps');

  llm.enqueue({ type: 'text', chunks: ['The', ' sky', ' is', ' blue.'], chunkDelayMs: 300 });
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  const answer = steps.getByRole('listitem').nth(1);
  await expect(answer.getByText('Running')).toBeVisible();
  await expect(toolbar(page).getByText('Succeeded', { exact: true })).toBeVisible();
  for (const item of await steps.getByRole('listitem').all())
    await expect(item.getByText('Done')).toBeVisible();
  await expect(
    steps.getByRole('listitem').nth(2).getByRole('region', { name: 'Output' }),
  ).toHaveText('The sky is blue.');
  await expectFits(page);
  await snap(page, 'phone-run');

  // The canvas, full width, moved by a finger and zoomed by a pinch.
  await toolbar(page).getByRole('button', { name: 'Show the canvas' }).click();
  await expect(steps).toBeHidden();
  const canvas = page.getByRole('application');
  const box = (await canvas.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(380);
  // Zoomed out to fit the phone, nodes draw as light cards.
  await expect(page.locator('.react-flow__node')).toHaveCount(3);
  const viewport = page.locator('.react-flow__viewport');
  const before = await viewport.getAttribute('style');
  const cdp = await page.context().newCDPSession(page);
  const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', points: { x: number; y: number }[]) =>
    cdp.send('Input.dispatchTouchEvent', {
      type,
      touchPoints: points.map((p, id) => ({ ...p, id })),
    });
  // Pan: one finger across empty canvas near the bottom.
  const y = box.y + box.height - 60;
  await touch('touchStart', [{ x: box.x + 300, y }]);
  for (let step = 1; step <= 5; step++)
    await touch('touchMove', [{ x: box.x + 300 - step * 30, y }]);
  await touch('touchEnd', []);
  await expect.poll(() => viewport.getAttribute('style')).not.toBe(before);
  const panned = await viewport.getAttribute('style');
  // Pinch: two fingers apart.
  const cx = box.x + box.width / 2;
  await touch('touchStart', [
    { x: cx - 30, y },
    { x: cx + 30, y },
  ]);
  for (let step = 1; step <= 6; step++)
    await touch('touchMove', [
      { x: cx - 30 - step * 15, y },
      { x: cx + 30 + step * 15, y },
    ]);
  await touch('touchEnd', []);
  await expect.poll(() => viewport.getAttribute('style')).not.toBe(panned);
  const scale = Number(/scale\(([\d.]+)\)/.exec((await viewport.getAttribute('style')) ?? '')?.[1]);
  const pannedScale = Number(/scale\(([\d.]+)\)/.exec(panned ?? '')?.[1]);
  expect(scale).toBeGreaterThan(pannedScale);
  await expectFits(page);
  await snap(page, 'phone-canvas');

  // Back to the list.
  await page.getByRole('link', { name: '← Workflows' }).click();
  await expect(list).toBeVisible();
});
