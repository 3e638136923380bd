import { useReactFlow } from '@xyflow/react';
import {
  type KeyboardEvent,
  type MouseEvent as ReactMouseEvent,
  type RefObject,
  useCallback,
  useRef,
  useState,
} from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import type { EditorEdge, EditorNode } from '../../types';
import type { ContextMenuItem } from '../ContextMenu';
import { type MenuTarget, menuFor } from './canvasMenu';
import { REMOVED_NODE_TYPE } from './comparison';

interface OpenMenu {
  target: MenuTarget;
  at: { x: number; y: number };
  /** What gets the focus back when the menu closes from the keyboard. */
  opener: HTMLElement | null;
}

/**
 * The canvas's context menus: React Flow's right-click handlers for nodes, connections, the
 * selection and the pane, and the menu key (Shift+F10) on whatever inside has the focus.
 * `open` is the menu to draw (its title, actions and place in the canvas), or null.
 */
export function useCanvasMenu(canvasRef: RefObject<HTMLDivElement | null>) {
  const { store, controller } = useEditorContext();
  const flow = useReactFlow<EditorNode, EditorEdge>();
  const [menu, setMenu] = useState<OpenMenu | null>(null);

  const openMenu = useCallback(
    (target: MenuTarget, client: { x: number; y: number }, opener: HTMLElement | null) => {
      const box = canvasRef.current?.getBoundingClientRect();
      if (!box) return;
      // A node right-clicked outside the selection becomes the selection, as in every editor.
      const state = store.getState();
      if (target.kind === 'node' && !state.nodes.find((node) => node.id === target.id)?.selected) {
        state.actions.selectNode(target.id);
      }
      setMenu({ target, at: { x: client.x - box.left, y: client.y - box.top }, opener });
    },
    [canvasRef, store],
  );
  const opener = useRef<HTMLElement | null>(null);
  opener.current = menu?.opener ?? null;
  const close = useCallback(
    (restoreFocus: boolean) => {
      // Back to what had the focus (the node), else the editor, so the keyboard carries on from there.
      if (restoreFocus)
        (opener.current ?? canvasRef.current?.closest<HTMLElement>('.gf-editor'))?.focus({
          preventScroll: true,
        });
      setMenu(null);
    },
    [canvasRef],
  );
  const onNodeContextMenu = useCallback(
    (event: ReactMouseEvent, node: EditorNode) => {
      if (node.type === REMOVED_NODE_TYPE) return;
      event.preventDefault();
      openMenu(
        { kind: 'node', id: node.id },
        { x: event.clientX, y: event.clientY },
        event.currentTarget as HTMLElement,
      );
    },
    [openMenu],
  );
  const onEdgeContextMenu = useCallback(
    (event: ReactMouseEvent, edge: EditorEdge) => {
      event.preventDefault();
      openMenu({ kind: 'edge', id: edge.id }, { x: event.clientX, y: event.clientY }, null);
    },
    [openMenu],
  );
  const onPaneContextMenu = useCallback(
    (event: MouseEvent | ReactMouseEvent) => {
      event.preventDefault();
      const flowPosition = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      openMenu({ kind: 'pane', flowPosition }, { x: event.clientX, y: event.clientY }, null);
    },
    [flow, openMenu],
  );
  const onSelectionContextMenu = useCallback(
    (event: ReactMouseEvent, selected: EditorNode[]) => {
      event.preventDefault();
      const first = selected[0];
      if (first)
        openMenu({ kind: 'node', id: first.id }, { x: event.clientX, y: event.clientY }, null);
    },
    [openMenu],
  );
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (!(event.key === 'ContextMenu' || (event.shiftKey && event.key === 'F10'))) return;
      const target = event.target as HTMLElement;
      const nodeElement = target.closest<HTMLElement>('.react-flow__node');
      const edgeElement = target.closest<HTMLElement>('.react-flow__edge');
      const box = (nodeElement ?? edgeElement ?? canvasRef.current)?.getBoundingClientRect();
      if (!box) return;
      event.preventDefault();
      const at = {
        x: box.left + Math.min(box.width / 2, 40),
        y: box.top + Math.min(box.height / 2, 24),
      };
      const nodeId = nodeElement?.dataset.id;
      const edgeId =
        edgeElement?.dataset.id ?? edgeElement?.dataset.testid?.replace(/^rf__edge-/, '');
      if (nodeId && !nodeId.startsWith('gf:removed:'))
        openMenu({ kind: 'node', id: nodeId }, at, nodeElement);
      else if (edgeId) openMenu({ kind: 'edge', id: edgeId }, at, edgeElement);
      else openMenu({ kind: 'pane', flowPosition: flow.screenToFlowPosition(at) }, at, null);
    },
    [canvasRef, flow, openMenu],
  );

  let open: { label: string; items: ContextMenuItem[]; at: { x: number; y: number } } | null = null;
  if (menu) {
    const content = menuFor(menu.target, {
      store,
      controller,
      fitView: () => void flow.fitView({ padding: 0.15, duration: 200 }),
    });
    open = { ...content, at: menu.at };
  }
  return {
    open,
    close,
    onNodeContextMenu,
    onEdgeContextMenu,
    onPaneContextMenu,
    onSelectionContextMenu,
    onKeyDown,
  };
}
