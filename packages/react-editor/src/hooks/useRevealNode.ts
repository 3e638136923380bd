import { useReactFlow } from '@xyflow/react';
import { type RefObject, useEffect, useRef } from 'react';
import { areaBeside, revealOffsetClearOf, type ScreenRect } from '../layout/revealOffset';

const PAN_MS = 250;
/** How many frames to wait for a node just added to be measured. */
const MEASURE_FRAMES = 30;

function rectOf(element: Element): ScreenRect {
  const { left, top, right, bottom } = element.getBoundingClientRect();
  return { left, top, right, bottom };
}

/**
 * When a side panel opens on a node (the inspector, an error detail), pans the canvas,
 * animated, so that node is whole beside the panel instead of under it, under the minimap or
 * past the canvas's edge. A node being dragged is revealed when it is let go, so the view never moves under the
 * pointer; one just dropped from the palette stays where it was dropped. Runs once per node the panel opens on, not while the person then pans away.
 */
export function useRevealNode(
  panel: RefObject<HTMLElement | null>,
  nodeId: string | null,
  /** Asked once the panel is up: true leaves the view alone (a node dropped where it is wanted). */
  leaveAlone?: (nodeId: string) => boolean,
): void {
  const flow = useReactFlow();
  const leave = useRef(leaveAlone);
  leave.current = leaveAlone;
  useEffect(() => {
    if (!nodeId || typeof window === 'undefined') return;
    let frame = 0;
    let waited = 0;
    const reveal = () => {
      const aside = panel.current;
      const canvas = aside?.parentElement?.querySelector(':scope > .gf-canvas');
      const internal = flow.getInternalNode(nodeId);
      if (!aside || !canvas || !internal) return;
      // A node just added is not measured yet: its size decides how far to pan.
      if (!internal.measured.width && waited++ < MEASURE_FRAMES) {
        frame = requestAnimationFrame(reveal);
        return;
      }
      const canvasRect = rectOf(canvas);
      // A canvas not laid out (hidden, or a page without layout) has nowhere to show anything.
      if (canvasRect.right <= canvasRect.left || canvasRect.bottom <= canvasRect.top) return;
      const { x, y, zoom } = flow.getViewport();
      const position = internal.internals.positionAbsolute;
      const left = canvasRect.left + x + position.x * zoom;
      const top = canvasRect.top + y + position.y * zoom;
      const width = (internal.measured.width ?? internal.width ?? 0) * zoom;
      const height = (internal.measured.height ?? internal.height ?? 0) * zoom;
      // The minimap sits in the canvas's corner, over whatever is there.
      const minimap = canvas.querySelector('.react-flow__minimap');
      const minimapRect = minimap ? rectOf(minimap) : null;
      const { dx, dy } = revealOffsetClearOf(
        { left, top, right: left + width, bottom: top + height },
        areaBeside(canvasRect, rectOf(aside)),
        minimapRect && minimapRect.right > minimapRect.left ? minimapRect : null,
      );
      if (dx === 0 && dy === 0) return;
      const still = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
      void flow.setViewport({ x: x + dx, y: y + dy, zoom }, { duration: still ? 0 : PAN_MS });
    };
    const afterDrop = () => {
      frame = requestAnimationFrame(reveal);
    };
    frame = requestAnimationFrame(() => {
      if (leave.current?.(nodeId)) return;
      // Selected by dragging it: wait for the drop.
      if (panel.current?.parentElement?.querySelector('.react-flow__node.dragging')) {
        window.addEventListener('pointerup', afterDrop, { once: true });
      } else reveal();
    });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('pointerup', afterDrop);
    };
  }, [flow, panel, nodeId]);
}
