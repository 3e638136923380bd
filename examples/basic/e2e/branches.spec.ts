import type { WorkflowInput } from '@galaxyflow/engine';
import { canvasEdges, canvasNode, edge, nodeSettings, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

/** Text "Input" → If "Check" (equals "go") → Debug "Yes" / Debug "No" → Merge "Join". */
function branchWorkflow(text: string): WorkflowInput {
  return {
    nodes: [
      { id: 'input', type: 'text', position: { x: 0, y: 120 }, data: { label: 'Input', text } },
      {
        id: 'check',
        type: 'if',
        position: { x: 340, y: 60 },
        data: {
          label: 'Check',
          conditions: [{ left: '{{value}}', operator: 'equals', right: 'go' }],
        },
      },
      { id: 'yes', type: 'debug', position: { x: 760, y: -80 }, data: { label: 'Yes' } },
      { id: 'no', type: 'debug', position: { x: 760, y: 300 }, data: { label: 'No' } },
      { id: 'join', type: 'merge', position: { x: 1100, y: 120 }, data: { label: 'Join' } },
    ],
    edges: [
      edge('input', 'text', 'check', 'value'),
      edge('check', 'true', 'yes', 'value'),
      edge('check', 'false', 'no', 'value'),
      edge('yes', 'value', 'join', 'values'),
      edge('no', 'value', 'join', 'values'),
    ],
  };
}

type Page = Parameters<typeof canvasEdges>[0];

/** The edges drawn dimmed: a branch the run did not take. */
const untaken = (page: Page) =>
  canvasEdges(page).filter({ has: page.locator('.gf-edge--untaken') });

/** The dimmed line of one edge, found by the name React Flow gives it. */
const dimmed = (page: Page, name: string) =>
  page.getByRole('group', { name, exact: true }).locator('.gf-edge--untaken');

test('an If sends the run down one branch, the other is dimmed with its reason, and Merge joins them; both ways', async ({
  page,
  signIn,
  api,
  snap,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: 'Branches',
    ...branchWorkflow('go'),
  });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  const run = toolbar(page).getByRole('button', { name: 'Run', exact: true });

  await run.click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(statusOf(canvasNode(page, 'Yes'), 'Done')).toBeVisible();
  const no = canvasNode(page, 'No');
  await expect(statusOf(no, 'Skipped')).toBeVisible();
  await expect(no.getByText('Not taken: branch If ‘Check’ was true')).toBeVisible();
  await expect(canvasNode(page, 'Join').getByRole('region', { name: 'Output' })).toContainText(
    'go',
  );
  await expect(untaken(page)).toHaveCount(2);
  for (const name of ['Edge from check to no', 'Edge from no to join']) {
    await expect(dimmed(page, name)).toHaveCount(1);
  }
  await snap(page, 'branch-true');

  // The other way: change the input, run again, and the other side is the one dimmed.
  await (await nodeSettings(page, 'Input')).getByRole('textbox', { name: 'Text' }).fill('stop');
  await run.click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  const yes = canvasNode(page, 'Yes');
  await expect(statusOf(yes, 'Skipped')).toBeVisible();
  await expect(yes.getByText('Not taken: branch If ‘Check’ was false')).toBeVisible();
  await expect(statusOf(no, 'Done')).toBeVisible();
  await expect(canvasNode(page, 'Join').getByRole('region', { name: 'Output' })).toContainText(
    'stop',
  );
  await expect(untaken(page)).toHaveCount(2);
  for (const name of ['Edge from check to yes', 'Edge from yes to join']) {
    await expect(dimmed(page, name)).toHaveCount(1);
  }
  await snap(page, 'branch-false');
});
