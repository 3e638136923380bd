import { canvasNode, nodeSettings, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

const payload = '<img src=x onerror=alert(1)>';

test('markup in a node’s text and a workflow’s name renders as literal text, in the form, the outputs and the list', async ({
  page,
  signIn,
  api,
  snap,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: payload,
    nodes: [
      {
        id: 'snippet',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Snippet', text: payload },
      },
      { id: 'show', type: 'debug', position: { x: 340, y: 0 }, data: { label: 'Show' } },
    ],
    edges: [
      {
        id: 'snippet-show',
        source: 'snippet',
        sourceHandle: 'text',
        target: 'show',
        targetHandle: 'value',
      },
    ],
  });
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  await expect(page.getByRole('navigation', { name: 'Workflows' }).getByRole('link')).toContainText(
    [payload],
  );
  await expect((await nodeSettings(page, 'Snippet')).getByRole('textbox', { name: 'Text' })).toHaveValue(
    payload,
  );

  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(canvasNode(page, 'Snippet').getByRole('region', { name: 'Output' })).toHaveText(
    payload,
  );
  await expect(canvasNode(page, 'Show').getByRole('region', { name: 'Output' })).toHaveText(
    payload,
  );
  await snap(page, 'markup-as-text');

  // Had the markup been parsed, an <img src="x"> would be in the document (the page's CSP
  // would then stop the handler, so the missing dialog alone would prove little).
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
