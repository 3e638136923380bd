import {
  type InternalNode,
  Panel,
  type ReactFlowState,
  useStore,
  useStoreApi,
} from '@xyflow/react';
import { memo, type PointerEvent, useEffect, useId, useMemo, useRef } from 'react';
import type { EditorNode } from '../../types';

/** The minimap's size on screen, in pixels (React Flow's default). */
const WIDTH = 200;
const HEIGHT = 150;
/** Space around the drawn area, in minimap pixels. */
const MARGIN = 5;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every node as one rectangle of an SVG path: unselected nodes in one, selected in another. */
export interface MiniMapShapes {
  plain: string;
  selected: string;
  /** What the nodes cover, in flow coordinates; null when no node is measured yet. */
  bounds: Rect | null;
}

/**
 * The nodes of the minimap as two path strings. A path is one SVG element whatever the
 * number of nodes, where React Flow's own minimap mounts a component, a store subscription
 * and a `<rect>` per node: on a thousand nodes that is a thousand of each to mount, keep in
 * memory and check on every frame of a pan. Nodes not measured yet, or hidden, are left out.
 */
export function miniMapShapes(
  nodes: readonly EditorNode[],
  lookup: ReadonlyMap<string, InternalNode<EditorNode>>,
): MiniMapShapes {
  let plain = '';
  let selected = '';
  let left = Number.POSITIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  for (const node of nodes) {
    if (node.hidden) continue;
    const internal = lookup.get(node.id);
    const width = internal?.measured.width ?? node.measured?.width ?? node.width;
    const height = internal?.measured.height ?? node.measured?.height ?? node.height;
    if (!width || !height) continue;
    const { x, y } = internal?.internals.positionAbsolute ?? node.position;
    const shape = `M${Math.round(x)} ${Math.round(y)}h${Math.round(width)}v${Math.round(height)}h${-Math.round(width)}z`;
    if (node.selected) selected += shape;
    else plain += shape;
    if (x < left) left = x;
    if (y < top) top = y;
    if (x + width > right) right = x + width;
    if (y + height > bottom) bottom = y + height;
  }
  const bounds =
    right > left ? { x: left, y: top, width: right - left, height: bottom - top } : null;
  return { plain, selected, bounds };
}

function union(a: Rect, b: Rect | null): Rect {
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

const selectNodes = (state: ReactFlowState) => state.nodes as EditorNode[];
const selectTransform = (state: ReactFlowState) => state.transform;
const selectWidth = (state: ReactFlowState) => state.width;
const selectHeight = (state: ReactFlowState) => state.height;

/** The two node paths; a pan changes neither, so React skips them while the view moves. */
const MiniMapNodes = memo(function MiniMapNodes({
  plain,
  selected,
}: {
  plain: string;
  selected: string;
}) {
  return (
    <>
      {plain && <path className="gf-minimap__nodes" d={plain} shapeRendering="crispEdges" />}
      {selected && (
        <path
          className="gf-minimap__nodes gf-minimap__nodes--selected"
          d={selected}
          shapeRendering="crispEdges"
        />
      )}
    </>
  );
});

export interface MiniMapProps {
  /** The accessible name of the minimap. */
  ariaLabel: string;
}

/**
 * An overview of the whole workflow in the canvas's corner, with the part in view outlined:
 * drag in it to move the view, scroll in it to zoom. React Flow's `MiniMap` in looks and
 * behaviour (same classes, so themes apply), drawn with two paths instead of a component per
 * node.
 */
export function MiniMap({ ariaLabel }: MiniMapProps) {
  const flowStore = useStoreApi<EditorNode>();
  const nodes = useStore(selectNodes);
  const transform = useStore(selectTransform);
  const flowWidth = useStore(selectWidth);
  const flowHeight = useStore(selectHeight);
  const titleId = useId();
  const svg = useRef<SVGSVGElement>(null);

  // Measured sizes reach `nodes` as dimension changes, so the node list is the one key.
  const shapes = useMemo(
    () => miniMapShapes(nodes, flowStore.getState().nodeLookup),
    [nodes, flowStore],
  );

  const [tx, ty, zoom] = transform;
  const view: Rect = {
    x: -tx / zoom,
    y: -ty / zoom,
    width: flowWidth / zoom,
    height: flowHeight / zoom,
  };
  const drawn = union(view, shapes.bounds);
  // Flow units per minimap pixel.
  const scale = Math.max(drawn.width / WIDTH, drawn.height / HEIGHT) || 1;
  const margin = MARGIN * scale;
  const boxWidth = WIDTH * scale + margin * 2;
  const boxHeight = HEIGHT * scale + margin * 2;
  const boxX = drawn.x - (WIDTH * scale - drawn.width) / 2 - margin;
  const boxY = drawn.y - (HEIGHT * scale - drawn.height) / 2 - margin;
  const scaleRef = useRef(scale);
  scaleRef.current = scale;

  // Scrolling over the minimap zooms the canvas around its centre, as React Flow's minimap does.
  useEffect(() => {
    const element = svg.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      const { panZoom, transform } = flowStore.getState();
      if (!panZoom) return;
      event.preventDefault();
      const step = event.deltaMode === 1 ? 0.05 : event.deltaMode ? 1 : 0.002;
      void panZoom.scaleTo(transform[2] * 2 ** (-event.deltaY * step));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [flowStore]);

  // Dragging over the minimap moves the outlined view with the pointer.
  const drag = useRef<{ pointer: number; x: number; y: number } | null>(null);
  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    if (event.button !== 0) return;
    drag.current = { pointer: event.pointerId, x: event.clientX, y: event.clientY };
    event.currentTarget.setPointerCapture?.(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const from = drag.current;
    if (!from || from.pointer !== event.pointerId) return;
    const { panZoom, transform, translateExtent, width, height } = flowStore.getState();
    if (!panZoom) return;
    const move = scaleRef.current * transform[2];
    const next = {
      x: transform[0] - (event.clientX - from.x) * move,
      y: transform[1] - (event.clientY - from.y) * move,
      zoom: transform[2],
    };
    drag.current = { pointer: from.pointer, x: event.clientX, y: event.clientY };
    void panZoom.setViewportConstrained(
      next,
      [
        [0, 0],
        [width, height],
      ],
      translateExtent,
    );
  };
  const onPointerEnd = (event: PointerEvent<SVGSVGElement>) => {
    if (drag.current?.pointer === event.pointerId) drag.current = null;
  };

  return (
    <Panel
      position="bottom-right"
      className="react-flow__minimap gf-minimap"
      data-testid="rf__minimap"
    >
      <svg
        ref={svg}
        width={WIDTH}
        height={HEIGHT}
        viewBox={`${boxX} ${boxY} ${boxWidth} ${boxHeight}`}
        className="react-flow__minimap-svg"
        role="img"
        aria-labelledby={titleId}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
      >
        <title id={titleId}>{ariaLabel}</title>
        <MiniMapNodes plain={shapes.plain} selected={shapes.selected} />
        <path
          className="react-flow__minimap-mask"
          d={`M${boxX - margin},${boxY - margin}h${boxWidth + margin * 2}v${boxHeight + margin * 2}h${-boxWidth - margin * 2}z M${view.x},${view.y}h${view.width}v${view.height}h${-view.width}z`}
          fillRule="evenodd"
          pointerEvents="none"
        />
      </svg>
    </Panel>
  );
}
