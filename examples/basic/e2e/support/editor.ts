import type { WorkflowInput } from '@galaxyflow/engine';
import { expect, type Locator, type Page } from '@playwright/test';

/** From the workflow list, a new blank workflow open in the editor. */
export async function openBlankWorkflow(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New' }).click();
  await page.getByRole('button', { name: /^Blank workflow/ }).click();
  await expect(page.getByRole('application')).toBeVisible();
}

/**
 * A node on the canvas, found by its label. Canvas nodes have the role `group` but no
 * accessible name of their own, so the node is the group holding the "Run to here: <label>"
 * button, the one control that names it.
 */
export function canvasNode(page: Page, label: string): Locator {
  return page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: `Run to here: ${label}`, exact: true }) });
}

/**
 * The settings of a node, as a user reaches them: a click on the node's title selects it and
 * opens the inspector panel beside the canvas.
 */
export async function nodeSettings(page: Page, label: string): Promise<Locator> {
  await canvasNode(page, label).locator('.gf-node__title').click();
  const panel = page.getByRole('complementary', { name: `Settings of ${label}`, exact: true });
  await expect(panel).toBeVisible();
  return panel;
}

/** Every node on the canvas. */
export function canvasNodes(page: Page): Locator {
  return page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: /^Run to here: / }) });
}

/** Every edge on the canvas (React Flow names them "Edge from <source> to <target>"). */
export function canvasEdges(page: Page): Locator {
  return page.getByRole('group', { name: /^Edge from / });
}

/** The editor's toolbar, where Save, Undo, Run and the run's status are. */
export function toolbar(page: Page): Locator {
  return page.getByRole('toolbar', { name: 'Workflow editor' });
}

/** A node's run status pill: Queued, Running, Done, Failed, Skipped, Canceled. */
export function statusOf(
  node: Locator,
  status: 'Queued' | 'Running' | 'Done' | 'Failed' | 'Skipped' | 'Canceled',
): Locator {
  return node.getByText(status, { exact: true });
}

/**
 * Drags a node type from the palette and drops it on the canvas, `offset` pixels from the
 * canvas's centre; the node lands with the pointer on its header, near its top-left corner.
 */
export async function dragFromPalette(
  page: Page,
  label: string,
  offset: { x: number; y: number },
): Promise<void> {
  const canvas = page.getByRole('application');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('The canvas is not visible.');
  await page
    .getByRole('navigation', { name: 'Node palette' })
    .getByRole('button', { name: `Add ${label} node` })
    .dragTo(canvas, {
      targetPosition: { x: box.width / 2 + offset.x, y: box.height / 2 + offset.y },
    });
}

/** Drags from an output handle of one node to an input handle of another, as a person draws an edge. */
export async function connect(
  page: Page,
  from: { node: string; output: string },
  to: { node: string; input: string },
): Promise<void> {
  // A handle is named by its tooltip, "<port> (<type> output)", as a person hovering it reads.
  await canvasNode(page, from.node)
    .getByTitle(new RegExp(`^${from.output} \\(\\w+ output\\)$`))
    .dragTo(canvasNode(page, to.node).getByTitle(new RegExp(`^${to.input} \\(\\w+ input\\)$`)));
}

/** An edge between two ports, as the API takes it. */
export const edge = (
  source: string,
  sourceHandle: string,
  target: string,
  targetHandle: string,
) => ({
  id: `${source}.${sourceHandle}->${target}.${targetHandle}`,
  source,
  sourceHandle,
  target,
  targetHandle,
});

/** Text → LLM (Gemini, the stub) → Debug, with labels a test can find them by. */
export function askWorkflow(question: string): WorkflowInput {
  return {
    nodes: [
      {
        id: 'question',
        type: 'text',
        position: { x: 0, y: 0 },
        data: { label: 'Question', text: question },
      },
      {
        id: 'answer',
        type: 'llm',
        position: { x: 340, y: 0 },
        data: { label: 'Answer', provider: 'gemini' },
      },
      { id: 'show', type: 'debug', position: { x: 720, y: 0 }, data: { label: 'Show' } },
    ],
    edges: [edge('question', 'text', 'answer', 'prompt'), edge('answer', 'text', 'show', 'value')],
  };
}
