import type { Page } from '@playwright/test';
import { canvasEdges, canvasNode, canvasNodes, openBlankWorkflow, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';
import { boxesInOneFrame, overlaps } from './support/geometry';

test.use({ viewport: { width: 1280, height: 800 } });

/** The pointer holds a dropped node this far in from its top-left corner (the editor's DROP_GRIP). */
const GRIP = { x: 16, y: 12 };

async function dropAt(page: Page, label: string, point: { x: number; y: number }) {
  const canvas = page.getByRole('application');
  const box = (await canvas.boundingBox())!;
  await page
    .getByRole('navigation', { name: 'Node palette' })
    .getByRole('button', { name: `Add ${label} node` })
    .dragTo(canvas, { targetPosition: { x: point.x - box.x, y: point.y - box.y } });
}

async function corner(page: Page, label: string) {
  const box = (await canvasNode(page, label).boundingBox())!;
  return { x: box.x, y: box.y };
}

async function blankWorkflow(page: Page) {
  await openBlankWorkflow(page);
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
}

test('nodes dropped on the canvas land under the pointer, the first on an empty canvas too', async ({
  page,
  signIn,
  snap,
}) => {
  await signIn(page);
  await blankWorkflow(page);
  const canvas = (await page.getByRole('application').boundingBox())!;

  const first = { x: canvas.x + 180, y: canvas.y + 120 };
  await dropAt(page, 'Text', first);
  await expect(canvasNodes(page)).toHaveCount(1);
  const text = await corner(page, 'Text');
  expect(Math.abs(text.x - (first.x - GRIP.x))).toBeLessThanOrEqual(8);
  expect(Math.abs(text.y - (first.y - GRIP.y))).toBeLessThanOrEqual(8);

  // The dropped node is selected and its settings opened beside the canvas: drop the next one
  // in the canvas as it is now, clear of the first.
  await expect(page.getByRole('complementary', { name: 'Settings of Text', exact: true })).toBeVisible();
  const second = { x: canvas.x + 360, y: canvas.y + 320 };
  await dropAt(page, 'Debug', second);
  await expect(canvasNodes(page)).toHaveCount(2);
  const debug = await corner(page, 'Debug');
  expect(Math.abs(debug.x - (second.x - GRIP.x))).toBeLessThanOrEqual(8);
  expect(Math.abs(debug.y - (second.y - GRIP.y))).toBeLessThanOrEqual(8);
  // The view did not move: the first node is still where it was dropped.
  expect(await corner(page, 'Text')).toEqual(text);
  await snap(page, 'dropped');
});

test('palette clicks place nodes apart, and right of the selected node wired to it when the ports fit', async ({
  page,
  signIn,
  snap,
}) => {
  await signIn(page);
  await blankWorkflow(page);
  const palette = page.getByRole('navigation', { name: 'Node palette' });

  await palette.getByRole('button', { name: 'Add Text node' }).click();
  await expect(canvasNodes(page)).toHaveCount(1);
  // The new node is selected: the next click goes to its right, connected.
  await palette.getByRole('button', { name: 'Add LLM node' }).click();
  await expect(canvasNodes(page)).toHaveCount(2);
  await expect(canvasEdges(page)).toHaveCount(1);
  // Both boxes in one frame: the inspector opening on the new node may be panning the view.
  const [text, llm] = await boxesInOneFrame(page, [canvasNode(page, 'Text'), canvasNode(page, 'LLM')]);
  expect(llm!.x).toBeGreaterThan(text!.x + text!.width);

  // Nothing selected: clicks fill free space near the centre, never on top of each other.
  await page.getByRole('application').click({ position: { x: 40, y: 40 } });
  await palette.getByRole('button', { name: 'Add Debug node' }).click();
  await page.getByRole('application').click({ position: { x: 40, y: 40 } });
  await palette.getByRole('button', { name: 'Add Debug node' }).click();
  await expect(canvasNodes(page)).toHaveCount(4);
  const boxes = await boxesInOneFrame(page, await canvasNodes(page).all());
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(overlaps(boxes[i]!, boxes[j]!), `nodes ${i} and ${j} overlap`).toBe(false);
    }
  }
  await snap(page, 'placed');
});
