/** A box in screen pixels. */
export interface ScreenRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Room kept between a revealed node and the edge of the area it is shown in, in px. */
export const REVEAL_MARGIN = 24;

function axisShift(
  start: number,
  end: number,
  areaStart: number,
  areaEnd: number,
  margin: number,
): number {
  const first = areaStart + margin;
  const last = areaEnd - margin;
  // Too big to fit whole: its start (title, first ports) is what a person reads first.
  if (end - start > last - first) return first - start;
  if (start < first) return first - start;
  if (end > last) return last - end;
  return 0;
}

/**
 * How far to move the view (screen px, add to the viewport's x and y) so `node` sits whole
 * inside `area`, `margin` px in from its edges; `{ dx: 0, dy: 0 }` when it already does.
 * A node bigger than the area is aligned on its top-left corner.
 */
export function revealOffset(
  node: ScreenRect,
  area: ScreenRect,
  margin = REVEAL_MARGIN,
): { dx: number; dy: number } {
  return {
    dx: axisShift(node.left, node.right, area.left, area.right, margin),
    dy: axisShift(node.top, node.bottom, area.top, area.bottom, margin),
  };
}

function overlapping(a: ScreenRect, b: ScreenRect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/**
 * Like `revealOffset`, and then clear of `obstacle` (the minimap in the area's corner): the
 * node goes up above it when it fits there, else left of it, else stays over it.
 */
export function revealOffsetClearOf(
  node: ScreenRect,
  area: ScreenRect,
  obstacle: ScreenRect | null,
  margin = REVEAL_MARGIN,
): { dx: number; dy: number } {
  const { dx, dy } = revealOffset(node, area, margin);
  const moved = {
    left: node.left + dx,
    top: node.top + dy,
    right: node.right + dx,
    bottom: node.bottom + dy,
  };
  if (!obstacle || !overlapping(moved, obstacle)) return { dx, dy };
  const up = obstacle.top - margin - moved.bottom;
  if (moved.top + up >= area.top + margin) return { dx, dy: dy + up };
  const left = obstacle.left - margin - moved.right;
  if (moved.left + left >= area.left + margin) return { dx: dx + left, dy };
  return { dx, dy };
}

/**
 * The part of `canvas` a person sees beside `panel`: a panel on the right (docked or laid
 * over the canvas) ends the area at its left edge.
 */
export function areaBeside(canvas: ScreenRect, panel: ScreenRect | null): ScreenRect {
  if (!panel || panel.left >= canvas.right || panel.right <= canvas.left) return canvas;
  return { ...canvas, right: Math.max(canvas.left, Math.min(canvas.right, panel.left)) };
}

/**
 * How many px of the canvas (the React Flow element `flow`) an open side panel lying over its
 * right side hides; 0 with no panel, or one docked beside it.
 */
export function coveredByPanel(flow: Element | null | undefined): number {
  const panel = flow?.closest('.gf-editor__body')?.querySelector(':scope > .gf-panel');
  if (!flow || !panel) return 0;
  const canvas = flow.getBoundingClientRect();
  const area = areaBeside(canvas, panel.getBoundingClientRect());
  return Math.max(0, canvas.right - area.right);
}
