import type { Locator } from '@playwright/test';
import { canvasNode, edge, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test.use({ viewport: { width: 1280, height: 800 } });

async function heightOf(locator: Locator): Promise<number> {
  return (await locator.boundingBox())!.height;
}

/** Inside the 1280x800 window, whole. */
async function expectOnScreen(locator: Locator) {
  const box = (await locator.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(1280);
  expect(box.y + box.height).toBeLessThanOrEqual(800);
}

test('at 1280x800 an LLM node is compact and its settings open in an inspector that fits the window', async ({
  page,
  signIn,
  api,
  llm,
  snap,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: 'Inspector',
    nodes: [
      {
        id: 'q',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Question', text: 'Why is the sky blue?' },
      },
      {
        id: 'a',
        type: 'llm',
        position: { x: 340, y: 0 },
        data: { label: 'Answer', prompt: 'Answer briefly: {{input}}' },
      },
    ],
    edges: [edge('q', 'text', 'a', 'prompt')],
  });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  const answer = canvasNode(page, 'Answer');
  await expect(answer).toBeVisible();
  // Nodes carry a one-line summary, not their form.
  await expect(answer.locator('.gf-node__summary')).toHaveText(/ · default model$/);
  await expect(answer.getByRole('textbox')).toHaveCount(0);
  const zoom = await page.evaluate(() => {
    const viewport = document.querySelector<HTMLElement>('.react-flow__viewport')!;
    return new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a;
  });
  // At 100 % zoom the node is at most ~200 px tall (it was about 590 px with its form inline).
  const before = (await heightOf(answer)) / zoom;
  expect(before).toBeLessThanOrEqual(200);

  // A long answer stays a few lines on the node until expanded.
  llm.enqueue({
    type: 'text',
    text: Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of the answer.`).join('\n'),
  });
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(answer.getByRole('region', { name: 'Output' })).toContainText(
    'Line 1 of the answer.',
  );
  // With the answer, its provider, model and figures, still well short of the old height.
  const after = (await heightOf(answer)) / zoom;
  expect(after).toBeLessThanOrEqual(280);
  console.log(
    `inspector: LLM node ${before.toFixed(0)} px tall at 100 % zoom, ${after.toFixed(0)} px with a 30-line answer`,
  );
  const collapsed = await heightOf(answer.getByRole('region', { name: 'Output' }));
  await answer.getByRole('button', { name: 'Show more' }).click();
  await expect(answer.getByRole('button', { name: 'Show less' })).toBeVisible();
  expect(await heightOf(answer.getByRole('region', { name: 'Output' }))).toBeGreaterThan(
    collapsed * 2,
  );
  await answer.getByRole('button', { name: 'Show less' }).click();

  // A click on the node opens its settings beside the canvas, inside the window.
  await answer.locator('.gf-node__title').click();
  const panel = page.getByRole('complementary', { name: 'Settings of Answer', exact: true });
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('combobox', { name: 'Provider' })).toBeVisible();
  await expect(panel.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(
    'Answer briefly: {{input}}',
  );
  await expect(panel.getByRole('region', { name: 'Last run' })).toContainText(
    'Line 30 of the answer.',
  );
  await expectOnScreen(panel);
  for (const control of [
    page.getByRole('button', { name: 'Sign out' }),
    toolbar(page).getByRole('button', { name: 'Run', exact: true }),
    page.getByRole('button', { name: 'Zoom In' }),
  ]) {
    await expectOnScreen(control);
  }
  const size = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
  expect(size).toEqual({ width: 1280, height: 800 });
  // Beside the app's list of workflows and the palette, the panel lies over the canvas, which
  // keeps its width.
  expect((await page.locator('.gf-canvas').boundingBox())!.width).toBeGreaterThanOrEqual(720);
  await snap(page, 'inspector-open');

  // Edits in the panel are the node's: its summary follows.
  await panel.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Say hello');
  await expect(toolbar(page).getByText('Unsaved changes')).toBeVisible();

  // Escape closes it, even from a field, and the next shortcut still reaches the editor.
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await answer.locator('.gf-node__title').click();
  await expect(panel.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(
    'Answer briefly: {{input}}',
  );
});

test('on a phone the selected node’s settings cover the canvas, full width', async ({
  page,
  signIn,
  api,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const workflow = await (await api()).createWorkflow({
    name: 'Inspector on a phone',
    nodes: [
      {
        id: 'q',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Question', text: 'Hello' },
      },
    ],
    edges: [],
  });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  // The phone opens on the list of steps; the canvas is a tap away, its nodes a tap more.
  await toolbar(page).getByRole('button', { name: 'Show the canvas' }).click();
  const question = page.locator('.react-flow__node').filter({ hasText: 'Question' });
  await expect(question).toBeVisible();
  await question.click();
  const panel = page.getByRole('complementary', { name: 'Settings of Question', exact: true });
  await expect(panel).toBeVisible();
  const box = (await panel.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(380);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await panel.getByRole('textbox', { name: 'Text' }).fill('Hello there');
  await panel.getByRole('button', { name: 'Close settings' }).click();
  await expect(panel).toHaveCount(0);
  await expect(page.getByRole('application')).toBeVisible();
  expect((await page.getByRole('application').boundingBox())!.width).toBeGreaterThanOrEqual(380);
});
