import { askWorkflow, canvasEdges, canvasNode, canvasNodes, nodeSettings, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test('deleting a node can be undone and redone, and the redone state is what gets saved', async ({
  page,
  signIn,
  api,
  snap,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: 'Undo me',
    ...askWorkflow('Keep me around.'),
  });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(3);
  await expect(canvasEdges(page)).toHaveCount(2);

  // Select the LLM node by its header and delete it: its two edges go with it.
  await canvasNode(page, 'Answer').getByText('Answer', { exact: true }).click();
  await page.keyboard.press('Delete');
  await expect(canvasNodes(page)).toHaveCount(2);
  await expect(canvasNode(page, 'Answer')).toHaveCount(0);
  await expect(canvasEdges(page)).toHaveCount(0);
  await expect(toolbar(page).getByText('Unsaved changes')).toBeVisible();
  await snap(page, 'node-deleted');

  await toolbar(page).getByRole('button', { name: 'Undo' }).click();
  await expect(canvasNodes(page)).toHaveCount(3);
  await expect(canvasEdges(page)).toHaveCount(2);
  await expect(
    (await nodeSettings(page, 'Answer')).getByRole('textbox', { name: 'Prompt', exact: true }),
  ).toHaveValue('{{input}}');
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
  await snap(page, 'delete-undone');

  await toolbar(page).getByRole('button', { name: 'Redo' }).click();
  await expect(canvasNodes(page)).toHaveCount(2);
  await expect(canvasNode(page, 'Answer')).toHaveCount(0);
  await expect(canvasEdges(page)).toHaveCount(0);
  await expect(toolbar(page).getByRole('button', { name: 'Redo' })).toBeDisabled();
  await snap(page, 'delete-redone');

  await toolbar(page).getByRole('button', { name: 'Save', exact: true }).click();
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
  await page.reload();
  await expect(canvasNode(page, 'Question')).toBeVisible();
  await expect(canvasNodes(page)).toHaveCount(2);
  await expect(canvasNode(page, 'Answer')).toHaveCount(0);
});

// The deleted node held the focus: the editor must keep it, or Ctrl+Z would go to <body>.
test('Delete then Ctrl+Z, all from the keyboard, brings the node back', async ({
  page,
  signIn,
  api,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: 'Keyboard undo',
    ...askWorkflow('Keep me around.'),
  });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  await canvasNode(page, 'Answer').getByText('Answer', { exact: true }).click();
  await page.keyboard.press('Delete');
  await expect(canvasNodes(page)).toHaveCount(2);
  await page.keyboard.press('Control+Z');
  await expect(canvasNodes(page)).toHaveCount(3);
  await page.keyboard.press('Control+Shift+Z');
  await expect(canvasNodes(page)).toHaveCount(2);
});
