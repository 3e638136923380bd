import type { Locator, Page } from '@playwright/test';
import { canvasNode, edge, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';
import { boxOf, inside, overlaps } from './support/geometry';

/** Inside the window, and what a click at its centre reaches is the control itself, not a panel over it. */
async function expectReachable(page: Page, control: Locator) {
  const viewport = page.viewportSize()!;
  expect(inside(await boxOf(control), { x: 0, y: 0, ...viewport })).toBe(true);
  const onTop = await control.evaluate((element) => {
    const box = element.getBoundingClientRect();
    return element.contains(
      document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2),
    );
  });
  expect(onTop, `${control} is covered`).toBe(true);
}

/** The window does not scroll, the toolbar's Run, the zoom buttons and Sign out can be clicked. */
async function expectControlsReachable(page: Page) {
  const size = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
  expect(size).toEqual(page.viewportSize());
  for (const control of [
    page.getByRole('button', { name: 'Sign out' }),
    toolbar(page).getByRole('button', { name: 'Run', exact: true }),
    page.getByRole('button', { name: 'Zoom In' }),
    page.getByRole('button', { name: 'Zoom Out' }),
  ])
    await expectReachable(page, control);
}

/** Whole, inside the canvas, and clear of the panel (which may lie over the canvas). */
async function expectBesidePanel(page: Page, node: Locator, panel: Locator) {
  const canvas = await boxOf(page.locator('.gf-canvas'));
  // The canvas pans there, animated.
  await expect
    .poll(async () => {
      const box = await boxOf(node);
      return inside(box, canvas) && !overlaps(box, await boxOf(panel));
    })
    .toBe(true);
  const minimap = page.locator('.react-flow__minimap');
  if (await minimap.isVisible()) {
    expect(overlaps(await boxOf(minimap), await boxOf(panel))).toBe(false);
    expect(overlaps(await boxOf(minimap), await boxOf(node))).toBe(false);
  }
}

test.describe('at 1280x800, beside the app’s list of workflows', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('side panels leave the canvas its width and the controls reachable, and the node they open on is panned out from under them', async ({
    page,
    signIn,
    api,
    snap,
  }) => {
    // A JSON node fails on text that is not JSON: a failed run without calling a model.
    const workflow = await (await api('dave')).createWorkflow({
      name: 'Panels at 1280',
      nodes: [
        {
          id: 'q',
          type: 'text',
          position: { x: 0, y: 0 },
          data: { label: 'Question', text: 'not json' },
        },
        { id: 's', type: 'debug', position: { x: 340, y: 0 }, data: { label: 'Show' } },
        {
          id: 'a',
          type: 'json',
          position: { x: 680, y: 0 },
          data: { label: 'Far right', failureMode: 'fail_safe' },
        },
      ],
      edges: [edge('q', 'text', 's', 'value'), edge('q', 'text', 'a', 'value')],
    });
    await signIn(page, 'dave');
    await page.goto(`/w/${workflow.id}`);
    const far = canvasNode(page, 'Far right');
    await expect(far).toBeVisible();
    const canvasBefore = await boxOf(page.locator('.gf-canvas'));

    // The inspector: over the canvas, which keeps its width.
    await far.locator('.gf-node__title').click();
    const inspector = page.getByRole('complementary', {
      name: 'Settings of Far right',
      exact: true,
    });
    await expect(inspector).toBeVisible();
    const canvas = await boxOf(page.locator('.gf-canvas'));
    expect(canvas.width).toBeGreaterThanOrEqual(720);
    expect(canvas.width).toBe(canvasBefore.width);
    await expectBesidePanel(page, far, inspector);
    await expectControlsReachable(page);
    console.log(
      `side panels: canvas ${canvas.width.toFixed(0)} px wide with the inspector open (${(await boxOf(inspector)).width.toFixed(0)} px panel)`,
    );
    await snap(page, 'inspector-over-canvas');
    await page.keyboard.press('Escape');
    await expect(inspector).toHaveCount(0);

    // The error detail of a node hidden under it: the node comes out beside it too.
    await page.getByRole('button', { name: 'Fit View' }).click();
    await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
    await expect(statusOf(far, 'Failed')).toBeVisible();
    await toolbar(page)
      .getByRole('button', { name: /^"Far right" failed: / })
      .click();
    const detail = page.getByRole('complementary', { name: 'Error in Far right' });
    await expect(detail).toBeVisible();
    expect((await boxOf(page.locator('.gf-canvas'))).width).toBe(canvasBefore.width);
    await expectBesidePanel(page, far, detail);
    await expectControlsReachable(page);
    await snap(page, 'error-detail-over-canvas');
  });

  test('the list of workflows folds to a rail beside an open workflow, widening the canvas, and stays folded', async ({
    page,
    signIn,
    api,
    snap,
  }) => {
    const workflow = await (await api('dave')).createWorkflow({
      name: 'Folding list',
      nodes: [
        {
          id: 'q',
          type: 'text',
          position: { x: 0, y: 0 },
          data: { label: 'Question', text: 'Hi' },
        },
      ],
      edges: [],
    });
    await signIn(page, 'dave');
    await page.goto(`/w/${workflow.id}`);
    const canvas = page.locator('.gf-canvas');
    await expect(canvasNode(page, 'Question')).toBeVisible();
    const before = (await boxOf(canvas)).width;
    await page.getByRole('button', { name: 'Hide the list of workflows' }).click();
    const unfold = page.getByRole('button', { name: 'Show the list of workflows' });
    await expect(unfold).toBeVisible();
    await expect.poll(async () => (await boxOf(canvas)).width).toBeGreaterThanOrEqual(before + 200);
    console.log(
      `side panels: canvas ${before.toFixed(0)} px beside the list, ${(await boxOf(canvas)).width.toFixed(0)} px with it folded`,
    );
    await expectControlsReachable(page);
    await snap(page, 'list-folded');

    await page.reload();
    await expect(unfold).toBeVisible();
    await unfold.click();
    await expect(
      page
        .getByRole('navigation', { name: 'Workflows' })
        .getByRole('link', { name: /Folding list/ }),
    ).toBeVisible();
    expect((await boxOf(canvas)).width).toBe(before);
  });

  test('"Show more" is on an output the preview cuts off, not on one that fits, and appears when a stream grows past the clip', async ({
    page,
    signIn,
    api,
    llm,
  }) => {
    const long = Array.from({ length: 20 }, (_, i) => `Line ${i + 1}`).join('\n');
    const workflow = await (await api('dave')).createWorkflow({
      name: 'Previews',
      nodes: [
        {
          id: 'st',
          type: 'text',
          position: { x: 0, y: 0 },
          data: { label: 'Short text', text: 'Hello' },
        },
        { id: 'so', type: 'debug', position: { x: 340, y: 0 }, data: { label: 'Short out' } },
        {
          id: 'lt',
          type: 'text',
          position: { x: 0, y: 260 },
          data: { label: 'Long text', text: long },
        },
        { id: 'lo', type: 'debug', position: { x: 340, y: 260 }, data: { label: 'Long out' } },
        {
          id: 'q',
          type: 'text',
          position: { x: 0, y: 520 },
          data: { label: 'Question', text: 'Count' },
        },
        {
          id: 'a',
          type: 'llm',
          position: { x: 340, y: 520 },
          data: { label: 'Answer', provider: 'gemini' },
        },
      ],
      edges: [
        edge('st', 'text', 'so', 'value'),
        edge('lt', 'text', 'lo', 'value'),
        edge('q', 'text', 'a', 'prompt'),
      ],
    });
    // Ten lines, one every 400 ms: the first few fit the preview, the rest run past it.
    llm.enqueue({
      type: 'text',
      chunks: Array.from({ length: 10 }, (_, i) => `${i === 0 ? '' : '\n'}Counting ${i + 1}`),
      chunkDelayMs: 400,
    });
    await signIn(page, 'dave');
    await page.goto(`/w/${workflow.id}`);
    await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();

    const answer = canvasNode(page, 'Answer');
    await expect(answer.getByText('Counting 1', { exact: true })).toBeVisible();
    await expect(answer.getByRole('button', { name: 'Show more' })).toHaveCount(0);
    await expect(answer.getByRole('button', { name: 'Show more' })).toBeVisible();
    // It came while the answer was still streaming, not once it was done.
    await expect(answer.getByText('Counting 10', { exact: true })).toHaveCount(0);

    await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
    const short = canvasNode(page, 'Short out');
    await expect(short.getByRole('region', { name: 'Output' })).toHaveText('Hello');
    await expect(short.getByRole('button', { name: /^Show (more|less)$/ })).toHaveCount(0);
    const longOut = canvasNode(page, 'Long out');
    await expect(longOut.getByRole('region', { name: 'Output' })).toContainText('Line 1');
    await longOut.getByRole('button', { name: 'Show more' }).click();
    await expect(longOut.getByRole('button', { name: 'Show less' })).toBeVisible();
    await expect(answer.getByRole('button', { name: 'Show more' })).toBeVisible();
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('"Show on canvas" shows the canvas centred on that node, selected, with no settings covering it', async ({
    page,
    signIn,
    api,
  }) => {
    const workflow = await (await api('dave')).createWorkflow({
      name: 'Show on canvas',
      nodes: [
        {
          id: 'q',
          type: 'text',
          position: { x: 0, y: 0 },
          data: { label: 'Question', text: 'Hi' },
        },
        { id: 'm', type: 'debug', position: { x: 340, y: 0 }, data: { label: 'Middle' } },
        { id: 's', type: 'debug', position: { x: 1400, y: 600 }, data: { label: 'Far away' } },
      ],
      edges: [edge('q', 'text', 'm', 'value'), edge('q', 'text', 's', 'value')],
    });
    await signIn(page, 'dave');
    await page.goto(`/w/${workflow.id}`);
    const steps = page.getByRole('region', { name: 'Steps' });
    const item = steps.getByRole('listitem').filter({ hasText: 'Far away' });
    await item.getByRole('button', { name: 'Show on canvas' }).click();

    await expect(steps).toBeHidden();
    const canvas = page.getByRole('application');
    await expect(canvas).toBeVisible();
    await expect(page.getByRole('complementary', { name: /^Settings of/ })).toHaveCount(0);
    const node = page.locator('.react-flow__node').filter({ hasText: 'Far away' });
    await expect(node).toHaveClass(/selected/);
    const view = { x: 0, y: 0, width: 390, height: 844 };
    await expect.poll(async () => inside(await boxOf(node), await boxOf(canvas))).toBe(true);
    expect(inside(await boxOf(node), view)).toBe(true);
    // Centred: its middle within a few pixels of the canvas's.
    const box = await boxOf(node);
    const pane = await boxOf(canvas);
    expect(Math.abs(box.x + box.width / 2 - (pane.x + pane.width / 2))).toBeLessThanOrEqual(8);

    // A tap on it opens its settings, as on any node.
    await node.locator('.gf-node__title, .gf-node__header').first().tap();
    await expect(
      page.getByRole('complementary', { name: 'Settings of Far away', exact: true }),
    ).toBeVisible();
  });
});
