import type { Locator, Page } from '@playwright/test';

/** A box on the page, in CSS pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The element's box; throws when it is not visible. */
export async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} is not visible.`);
  return box;
}

/** The boxes of several elements read in one task, so a view being panned cannot move between them. */
export async function boxesInOneFrame(page: Page, locators: Locator[]): Promise<Box[]> {
  const handles = await Promise.all(locators.map((locator) => locator.elementHandle()));
  return page.evaluate(
    (elements) =>
      elements.map((element) => {
        const { x, y, width, height } = element!.getBoundingClientRect();
        return { x, y, width, height };
      }),
    handles,
  );
}

/** Whether two boxes share any area (touching edges do not). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether `inner` lies whole inside `outer`. */
export function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}
