import type { Locator } from '@playwright/test';
import { canvasEdges, canvasNode, canvasNodes, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test.use({ viewport: { width: 1280, height: 800 } });

/**
 * The most user actions (clicks, drags, key presses outside typed text) it may take to build
 * Text → LLM → Debug on an empty canvas, set the prompt and run it. Measured: 5 (a palette
 * click on Text, which opens its settings in the inspector; a click into the prompt; two more
 * palette clicks, each new node placed right of the selected one and wired to it; Run). The
 * issue asks for 10 at most; this keeps what was reached from slipping.
 */
const MAX_ACTIONS = 5;

test('building, prompting and running Text → LLM → Debug takes at most a handful of actions', async ({
  page,
  signIn,
  llm,
  snap,
}) => {
  await signIn(page, 'carol');
  await page.getByRole('button', { name: 'New' }).click();
  await page.getByRole('button', { name: /^Blank workflow/ }).click();
  await expect(toolbar(page).getByText('Add a node to run the workflow.')).toBeAttached();

  // Counted from the empty canvas on.
  let actions = 0;
  const click = async (target: Locator) => {
    actions += 1;
    await target.click();
  };
  const palette = page.getByRole('navigation', { name: 'Node palette' });

  // A node added is selected, its settings open in the inspector: one click on the field types.
  // (Typed now, while the Text node is in view: each node added after it is panned into view
  // beside the inspector, and a 1280 px window beside the app's list cannot show all three.)
  await click(palette.getByRole('button', { name: 'Add Text node' }));
  const prompt = page.getByRole('complementary', { name: 'Settings of Text', exact: true }).getByRole('textbox', { name: 'Text' });
  await click(prompt);
  await prompt.pressSequentially('Name a colour of the sky.');
  await click(palette.getByRole('button', { name: 'Add LLM node' }));
  await click(palette.getByRole('button', { name: 'Add Debug node' }));
  await expect(canvasNodes(page)).toHaveCount(3);
  await expect(canvasEdges(page)).toHaveCount(2);

  llm.enqueue({ type: 'text', chunks: ['Blue.'] });
  await click(toolbar(page).getByRole('button', { name: 'Run', exact: true }));
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(canvasNode(page, 'Debug').getByRole('region', { name: 'Output' })).toHaveText(
    'Blue.',
  );
  for (const label of ['Text', 'LLM', 'Debug'])
    await expect(statusOf(canvasNode(page, label), 'Done')).toBeVisible();
  expect(llm.requests[0]).toMatchObject({ prompt: 'Name a colour of the sky.' });
  await snap(page, 'built-in-five');

  test.info().annotations.push({ type: 'user actions', description: String(actions) });
  console.log(`task efficiency: ${actions} user actions (bound ${MAX_ACTIONS}, target 10)`);
  expect(actions).toBeLessThanOrEqual(MAX_ACTIONS);
});
