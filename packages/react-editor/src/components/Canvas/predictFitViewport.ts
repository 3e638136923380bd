import { getViewportForBounds, type Viewport } from '@xyflow/react';
import type { EditorNode } from '../../types';

/** A node React Flow has not measured yet: about the size of an editor card. */
const ESTIMATED_WIDTH = 260;
const ESTIMATED_HEIGHT = 160;

export interface FitOptions {
  minZoom: number;
  maxZoom: number;
  padding: number;
}

/**
 * Where fitting these nodes into a pane of this size will put the view, before React Flow
 * has measured a single node: unmeasured nodes count at a card's usual size. Lets the first
 * render already draw what the fitted view will show (light cards when that is far out),
 * instead of drawing every node whole at 100 % only to redraw it a moment later.
 */
export function predictFitViewport(nodes: readonly EditorNode[], width: number, height: number, options: FitOptions): Viewport {
  if (nodes.length === 0 || width <= 0 || height <= 0) return { x: 0, y: 0, zoom: 1 };
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const node of nodes) {
    const { x, y } = node.position;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + (node.measured?.width ?? node.width ?? ESTIMATED_WIDTH));
    maxY = Math.max(maxY, y + (node.measured?.height ?? node.height ?? ESTIMATED_HEIGHT));
  }
  const bounds = { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
  return getViewportForBounds(bounds, width, height, options.minZoom, options.maxZoom, options.padding);
}
