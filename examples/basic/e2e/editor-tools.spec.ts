import type { Locator, Page } from '@playwright/test';
import { canvasNode, canvasNodes, edge, nodeSettings, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test.use({ viewport: { width: 1280, height: 800 } });

/** Text → Debug: runs without calling a model. */
const echo = {
  nodes: [
    { id: 'q', type: 'text', position: { x: 0, y: 0 }, data: { label: 'Question', text: 'hello' } },
    { id: 's', type: 'debug', position: { x: 360, y: 0 }, data: { label: 'Show' } },
  ],
  edges: [edge('q', 'text', 's', 'value')],
};

/** WCAG contrast of two CSS colours as the page computed them (rgb()/rgba(), alpha ignored). */
async function contrastOf(page: Page, a: string, b: string): Promise<number> {
  return page.evaluate(
    ([x, y]) => {
      const luminance = (css: string) => {
        const [r, g, b] = (css.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
          const c = Number(v) / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const [hi, lo] = [luminance(x!), luminance(y!)].sort((m, n) => n - m);
      return (hi! + 0.05) / (lo! + 0.05);
    },
    [a, b],
  );
}

const style = (locator: Locator, property: string) =>
  locator.evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);

test('a new workflow is named as it is created', async ({ page, signIn }) => {
  await signIn(page, 'carol');
  await page.getByRole('button', { name: 'New' }).click();
  const name = page.getByRole('textbox', { name: 'Name of the new workflow' });
  await expect(name).toBeFocused();
  await name.fill('Weekly summary');
  await name.press('Enter');
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(
    page
      .getByRole('navigation', { name: 'Workflows' })
      .getByRole('link', { name: /Weekly summary/ }),
  ).toBeVisible();
});

test('dragging the empty canvas pans it holding the pointer, and the press still takes the focus out of a field', async ({
  page,
  signIn,
  api,
}) => {
  const workflow = await (await api('carol')).createWorkflow({ name: 'Pan', ...echo });
  await signIn(page, 'carol');
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(2);
  const text = (await nodeSettings(page, 'Question')).getByRole('textbox', { name: 'Text' });
  await text.focus();
  await expect(text).toBeFocused();

  const pane = page.locator('.react-flow__pane');
  await pane.evaluate((element) => {
    element.addEventListener('gotpointercapture', () => element.setAttribute('data-held', 'yes'));
  });
  const viewport = page.locator('.react-flow__viewport');
  const before = await viewport.evaluate((element) => element.style.transform);
  // A point of the empty pane below the nodes, dragged up across them.
  const node = (await canvasNode(page, 'Question').boundingBox())!;
  const from = await pane.evaluate((element, below) => {
    for (let y = below.y; y < element.getBoundingClientRect().bottom - 10; y += 10) {
      if (document.elementFromPoint(below.x, y) === element) return { x: below.x, y };
    }
    throw new Error('no empty pane below the node');
  }, { x: node.x + node.width / 2, y: node.y + node.height + 20 });
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + i * 10, from.y - i * 25);
  await page.mouse.up();

  await expect(pane).toHaveAttribute('data-held', 'yes');
  expect(await viewport.evaluate((element) => element.style.transform)).not.toBe(before);
  // The settings stay open (a pan is not a click on the canvas), and the field lost the focus
  // as a press outside it always takes it.
  await expect(text).toBeVisible();
  await expect(text).not.toBeFocused();
  expect(await page.evaluate(() => window.getSelection()?.toString() ?? '')).toBe('');
});

test('dark mode: the switch themes the app and the editor, zoom and sidebar buttons included; System follows the OS live', async ({
  page,
  signIn,
  api,
  snap,
}) => {
  const workflow = await (await api('carol')).createWorkflow({ name: 'Dark', ...echo });
  await signIn(page, 'carol');
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(2);
  const editor = page.locator('.gf-editor');
  await expect(editor).toHaveAttribute('data-theme', 'light');

  await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
  await expect(editor).toHaveAttribute('data-theme', 'dark');
  const zoomIn = page.getByRole('button', { name: 'Zoom In' });
  const zoomBackground = await style(zoomIn, 'background-color');
  // Not the white of the light theme: a dark button, its icon readable on it.
  expect(await contrastOf(page, zoomBackground, 'rgb(255, 255, 255)')).toBeGreaterThan(10);
  expect(
    await contrastOf(page, zoomBackground, await style(zoomIn, 'color')),
  ).toBeGreaterThanOrEqual(4.5);
  expect(
    await contrastOf(page, zoomBackground, await style(zoomIn.locator('svg'), 'fill')),
  ).toBeGreaterThanOrEqual(4.5);
  for (const name of ['New', 'Sign out']) {
    const button = page.getByRole('button', { name, exact: true });
    const background = await style(button, 'background-color');
    expect(
      await contrastOf(page, background, 'rgb(255, 255, 255)'),
      `${name} background`,
    ).toBeGreaterThan(10);
    expect(
      await contrastOf(page, background, await style(button, 'color')),
      `${name} text`,
    ).toBeGreaterThanOrEqual(4.5);
  }
  // Menus and panels follow too.
  await toolbar(page).locator('summary', { hasText: 'More' }).click();
  const fit = toolbar(page).getByRole('button', { name: 'Fit view' });
  expect(
    await contrastOf(
      page,
      await style(fit.locator('..'), 'background-color'),
      'rgb(255, 255, 255)',
    ),
  ).toBeGreaterThan(10);
  await snap(page, 'dark');

  // The choice outlives a reload.
  await page.reload();
  await expect(editor).toHaveAttribute('data-theme', 'dark');

  await page.getByRole('combobox', { name: 'Theme' }).selectOption('system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(editor).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(editor).toHaveAttribute('data-theme', 'light');
});

test('context menus: a node’s actions with shortcuts, Escape closes, Delete deletes; the canvas adds a note', async ({
  page,
  signIn,
  api,
}) => {
  const workflow = await (await api('carol')).createWorkflow({ name: 'Menus', ...echo });
  await signIn(page, 'carol');
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(2);

  await canvasNode(page, 'Show').click({ button: 'right', position: { x: 40, y: 12 } });
  const menu = page.getByRole('menu', { name: 'Node actions: Show' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: /^Duplicate/ })).toContainText('Ctrl+D');
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(canvasNodes(page)).toHaveCount(2);

  await canvasNode(page, 'Show').click({ button: 'right', position: { x: 40, y: 12 } });
  await menu.getByRole('menuitem', { name: /^Delete/ }).click();
  await expect(canvasNodes(page)).toHaveCount(1);

  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height - 120, { button: 'right' });
  await page
    .getByRole('menu', { name: 'Canvas actions' })
    .getByRole('menuitem', { name: 'Add a note here' })
    .click();
  await page.getByRole('textbox', { name: 'Note text' }).fill('# Plan\n- greet');
  await toolbar(page).getByRole('button', { name: 'Save', exact: true }).click();
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
  const saved = await (await api('carol')).getWorkflow(workflow.id);
  expect(saved.nodes.map((node) => node.type).sort()).toEqual(['note', 'text']);
});

test('version history: compare, restore as a new version, undo on the canvas, and the notes never run', async ({
  page,
  signIn,
  api,
  snap,
}) => {
  const client = await api('carol');
  const workflow = await client.createWorkflow({ name: 'Versions', ...echo });
  await signIn(page, 'carol');
  await page.goto(`/w/${workflow.id}`);
  await expect(canvasNodes(page)).toHaveCount(2);

  // Version 2: a note added and the question changed.
  await (await nodeSettings(page, 'Question')).getByRole('textbox', { name: 'Text' }).fill('changed');
  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  await page.mouse.click(box.x + 80, box.y + box.height - 160, { button: 'right' });
  await page.getByRole('menuitem', { name: 'Add a note here' }).click();
  await page.getByRole('textbox', { name: 'Note text' }).fill('Says hello');
  await toolbar(page).getByRole('button', { name: 'Save', exact: true }).click();
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();

  // A run with a note on the canvas runs the two real nodes only.
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();

  await toolbar(page).getByRole('button', { name: 'Versions' }).click();
  const panel = page.getByRole('complementary', { name: 'Versions' });
  const rows = panel.getByRole('listitem');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Version 2');
  await expect(rows.first()).toContainText('1 node added, 1 changed');
  await expect(rows.first()).toContainText('Changed: Question');

  await panel.getByRole('button', { name: 'Compare the canvas with version 1' }).click();
  await expect(page.locator('.react-flow__node.gf-diff--changed')).toHaveCount(1);
  await expect(page.locator('.react-flow__node.gf-diff--added')).toHaveCount(1);
  await snap(page, 'compare');

  await panel.getByRole('button', { name: 'Restore version 1' }).click();
  await expect(rows.first()).toContainText('Version 3');
  await expect(rows.first()).toContainText('restored from 1');
  await expect(page.locator('.gf-note')).toHaveCount(0);
  expect((await client.getWorkflow(workflow.id)).version).toBe(3);
  expect((await client.getWorkflow(workflow.id)).nodes.map((n) => n.type).sort()).toEqual([
    'debug',
    'text',
  ]);

  await toolbar(page).getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('.gf-note')).toHaveCount(1);
  await expect(toolbar(page).getByText('Unsaved changes')).toBeVisible();

  // After a reload the server's version 3 (the restore) is what opens.
  await page.reload();
  await expect(canvasNodes(page)).toHaveCount(2);
  await expect(page.locator('.gf-note')).toHaveCount(0);
});
