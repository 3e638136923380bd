import { type ConnectionInput, NOTE_NODE_TYPE } from '@galaxyflow/engine';
import {
  Background,
  BackgroundVariant,
  type Connection,
  Controls,
  type Edge,
  type FinalConnectionState,
  type NodeTypes,
  ReactFlow,
  type ReactFlowState,
  type EdgeTypes,
  useReactFlow,
  useStore as useFlowStore,
  useUpdateNodeInternals,
} from '@xyflow/react';
import { type DragEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import type { EditorState } from '../../store/createEditorStore';
import { createFileUploads } from '../../store/fileUploads';
import { createNodeFeed } from '../../store/nodeFeed';
import { validateConnectionFor } from '../../store/validation';
import type { EditorEdge, EditorNode } from '../../types';
import { ConnectionHint } from '../ConnectionHint';
import { ContextMenu } from '../ContextMenu';
import { MiniMap } from '../MiniMap';
import { PALETTE_MIME } from '../Palette/dragData';
import { RunEdge } from '../RunEdge';
import { WorkflowNode } from '../WorkflowNode';
import { NodeCanvasContext, type NodeCanvasContextValue } from '../WorkflowNode/NodeCanvasContext';
import { NoteNode } from '../NoteNode';
import { RemovedNode } from '../RemovedNode';
import { edgesWithComparison, nodesWithComparison, REMOVED_NODE_TYPE } from './comparison';
import { predictFitViewport } from './predictFitViewport';
import { holdPanPointer, pressPaneWithoutSelecting } from './panPointer';
import { useCanvasMenu } from './useCanvasMenu';
import { Inspector } from '../Inspector';
import type { CanvasProps } from './types';

export type { CanvasProps } from './types';

// Without a run, edges are React Flow's own; with one, they show the data flowing.
const edgeTypes: EdgeTypes = { run: RunEdge };
const runEdges = new WeakMap<EditorEdge, EditorEdge>();
/** The same edge drawn as a run edge: one copy per edge object, so unchanged edges stay unchanged. */
function asRunEdge(edge: EditorEdge): EditorEdge {
  let copy = runEdges.get(edge);
  if (!copy) {
    copy = { ...edge, type: 'run' };
    runEdges.set(edge, copy);
  }
  return copy;
}
const FIT_VIEW = { padding: 0.15, maxZoom: 1 };
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 2;
const MULTI_SELECT_KEYS = ['Meta', 'Control'];
/** Below this zoom a node's form and preview are unreadable: nodes draw as light cards. */
const COMPACT_ZOOM = 0.45;
/**
 * Above this many nodes, and zoomed in enough to draw whole nodes, only those in view are
 * drawn. Zoomed out, most nodes are in view anyway, and sorting them out again on every pan
 * frame (mounting and unmounting those at the edge) costs more than their light cards.
 */
const VISIBLE_ONLY_FROM = 200;

const selectZoomedOut = (state: ReactFlowState) => state.transform[2] < COMPACT_ZOOM;
// React Flow sets the view it starts from once its pane is up; until then its zoom is a placeholder.
const selectViewReady = (state: ReactFlowState) => state.panZoom !== null;
const selectRunning = (state: EditorState) =>
  state.run !== null && state.run.origin === 'live' && (state.run.phase === 'running' || state.run.phase === 'starting');

/** The view that fitting these nodes will give, judged from the window before anything is measured. */
function predictedView(nodes: readonly EditorNode[]) {
  const width = typeof window === 'undefined' ? 0 : window.innerWidth;
  const height = typeof window === 'undefined' ? 0 : window.innerHeight;
  return predictFitViewport(nodes, width, height, { minZoom: MIN_ZOOM, maxZoom: FIT_VIEW.maxZoom, padding: FIT_VIEW.padding });
}

/** Where the pointer holds a dropped node: screen pixels from its top-left corner. */
export const DROP_GRIP = { x: 16, y: 12 };

function toInput(connection: Connection | Edge): ConnectionInput {
  return {
    source: connection.source,
    sourceHandle: connection.sourceHandle ?? null,
    target: connection.target,
    targetHandle: connection.targetHandle ?? null,
  };
}

// Unknown node types render as such; every other React Flow error is worth a warning.
function onFlowError(code: string, message: string): void {
  if (code !== '003') console.warn(message);
}

/** The React Flow canvas of the enclosing editor. */
export function Canvas({ showMiniMap = true, showControls = true, showBackground = true, colorMode = 'light', nodeSettings = 'inspector' }: CanvasProps) {
  const inspector = nodeSettings === 'inspector';
  const nodes = useEditorState((state) => state.nodes);
  const edges = useEditorState((state) => state.edges);
  const registry = useEditorState((state) => state.registry);
  const readOnly = useEditorState((state) => state.readOnly);
  const actions = useEditorState((state) => state.actions);
  const { store, controller } = useEditorContext();
  const flow = useReactFlow<EditorNode, EditorEdge>();
  const viewEpoch = useEditorState((state) => state.viewEpoch);
  const running = useEditorState(selectRunning);
  const hasRun = useEditorState((state) => state.run !== null);
  const compare = useEditorState((state) => state.compare);
  const flowEdges = useMemo(() => {
    const shown = hasRun ? edges.map(asRunEdge) : edges;
    return compare ? edgesWithComparison(shown, compare) : shown;
  }, [edges, hasRun, compare]);
  const flowNodes = useMemo(() => (compare ? nodesWithComparison(nodes, edges, compare) : nodes), [nodes, edges, compare]);
  const zoomedOut = useFlowStore(selectZoomedOut);
  const viewReady = useFlowStore(selectViewReady);

  // The first view is the predicted fit, so the first render already draws nodes the way the
  // fitted view shows them; `fitView` then corrects it from measured sizes. A document that
  // arrives later (load, import) is drawn at its predicted fit until it has been framed.
  const [initialView] = useState(() => predictedView(store.getState().nodes));
  const [framing, setFraming] = useState({ epoch: 0, compact: initialView.zoom < COMPACT_ZOOM });
  if (framing.epoch !== viewEpoch) {
    // Adjusting state while rendering: this render and its nodes already use the prediction.
    setFraming({ epoch: viewEpoch, compact: predictedView(nodes).zoom < COMPACT_ZOOM });
  }
  const [framedEpoch, setFramedEpoch] = useState(0);
  const compact = !viewReady || framedEpoch !== viewEpoch ? framing.compact : zoomedOut;
  // Frame what the canvas opens with; an empty canvas keeps its view, so the first node
  // dropped on it stays where it was dropped instead of the view jumping to frame it.
  const [fitOnInit] = useState(() => nodes.length > 0);

  // A loaded or imported workflow is framed whole, once React Flow has measured its nodes
  // (nodes outside the view may never be measured when only visible ones render: give up
  // waiting after about a second).
  useEffect(() => {
    if (viewEpoch === 0) return;
    // An empty workflow has nothing to frame: the view stays, so a node dropped while the
    // frame would still be pending lands where it was dropped.
    if (store.getState().nodes.length === 0) return;
    let frame = 0;
    let tries = 0;
    let live = true;
    let fallback = 0;
    const attempt = () => {
      const nodes = flow.getNodes();
      const measured = nodes.length > 0 && nodes.every((node) => flow.getInternalNode(node.id)?.measured.width);
      if (measured || tries++ > 60) {
        // From then on the zoom decides. React Flow resolves the fit once nodes are measured;
        // should that never come, the zoom still takes over, a moment later.
        const framed = () => {
          if (live) setFramedEpoch(viewEpoch);
        };
        void flow.fitView(FIT_VIEW).then(framed);
        fallback = window.setTimeout(framed, 2_000);
      } else frame = requestAnimationFrame(attempt);
    };
    frame = requestAnimationFrame(attempt);
    return () => {
      live = false;
      cancelAnimationFrame(frame);
      window.clearTimeout(fallback);
    };
  }, [viewEpoch, flow, store]);

  const [feed] = useState(() => createNodeFeed(store));
  const [uploads] = useState(() =>
    createFileUploads({
      client: () => controller.client,
      onUploaded: (nodeId, file) => store.getState().actions.updateNodeData(nodeId, { fileId: file.id, url: '' }),
      onFailed: (_nodeId, message) => store.getState().actions.notify('error', `The image was not uploaded: ${message}`),
    }),
  );
  useEffect(() => () => uploads.destroy(), [uploads]);

  /** Image nodes for image files, from `at` down and to the right; says why when none can be made. */
  const addImages = useCallback(
    (files: readonly File[], at: { x: number; y: number }) => {
      const images = files.filter((file) => file.type.startsWith('image/') || file.type === '');
      if (images.length === 0) {
        actions.notify('error', 'Only image files (PNG, JPEG, WebP, GIF) can be dropped on the canvas.');
        return;
      }
      if (!store.getState().registry.get('image')) {
        actions.notify('error', 'This editor has no Image node type to put the picture in.');
        return;
      }
      if (!controller.client?.files) {
        actions.notify('error', 'This editor’s host takes no files: add an Image node and link the image by URL instead.');
        return;
      }
      images.forEach((file, index) => {
        const nodeId = actions.addNode('image', { x: at.x + index * 40, y: at.y + index * 40 });
        if (nodeId) uploads.start(nodeId, file);
      });
    },
    [actions, controller, store, uploads],
  );

  // Pasted pictures land in the middle of the view; text fields keep their own paste.
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      if (store.getState().readOnly) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
      if (files.length === 0) return;
      event.preventDefault();
      const pane = document.querySelector('.gf-canvas')?.getBoundingClientRect();
      const center = pane
        ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }
        : { x: window.innerWidth / 2, y: window.innerHeight / 2 };
      addImages(files, flow.screenToFlowPosition(center));
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [addImages, flow, store]);
  const updateNodeInternals = useUpdateNodeInternals();
  const nodeCanvas = useMemo<NodeCanvasContextValue>(
    () => ({ registry, readOnly, running, compact, inspector, actions, controller, feed, uploads, updateNodeInternals }),
    [registry, readOnly, running, compact, inspector, actions, controller, feed, uploads, updateNodeInternals],
  );

  // Every registered type draws with the same component; `default` catches unknown types.
  const nodeTypes = useMemo<NodeTypes>(
    () =>
      Object.fromEntries([
        ...registry.list().map((d) => [d.type, WorkflowNode]),
        ['default', WorkflowNode],
        [REMOVED_NODE_TYPE, RemovedNode],
        [NOTE_NODE_TYPE, NoteNode],
      ]),
    [registry],
  );

  // Called on every pointer move over a handle: reads the store at call time, never stale.
  const isValidConnection = useCallback(
    (connection: Connection | Edge) => {
      const state = store.getState();
      return validateConnectionFor(state, toInput(connection), state.registry).ok;
    },
    [store],
  );

  const onConnect = useCallback((connection: Connection) => {
    const check = actions.connect(toInput(connection));
    if (!check.ok) actions.notify('error', `Can’t connect: ${check.issue.message}`);
  }, [actions]);

  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
      const [source, target] = state.fromHandle.type === 'source' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
      const current = store.getState();
      const check = validateConnectionFor(
        current,
        { source: source.nodeId, sourceHandle: source.id ?? null, target: target.nodeId, targetHandle: target.id ?? null },
        current.registry,
      );
      if (!check.ok) actions.notify('error', `Can’t connect: ${check.issue.message}`);
    },
    [actions, store],
  );

  // Every prop handed to React Flow is stable: an inline function would re-render every
  // node wrapper on every frame of a drag.
  const onDragStart = useCallback(() => actions.beginGesture('drag'), [actions]);
  // A tap on a node a phone's list pointed out opens its settings, as on any other node.
  const onNodeClick = useCallback(() => {
    if (store.getState().pointedOutNodeId !== null) actions.patch({ pointedOutNodeId: null });
  }, [actions, store]);

  const onDragOver = useCallback((event: DragEvent) => {
    const types = event.dataTransfer.types;
    if (!types.includes(PALETTE_MIME) && !(types.includes('Files') && !store.getState().readOnly)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, [store]);

  // The node just dropped stays under the pointer when its settings open, whatever they cover.
  const dropped = useRef<string | null>(null);
  const placedByHand = useCallback((nodeId: string) => {
    const was = dropped.current === nodeId;
    dropped.current = null;
    return was;
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      const files = type ? [] : [...event.dataTransfer.files];
      if (!type && files.length === 0) return;
      event.preventDefault();
      // The pointer lands on the new node's header, a fixed few screen pixels in from its corner,
      // whatever the zoom: where the user let go is where the node is.
      const position = flow.screenToFlowPosition({ x: event.clientX - DROP_GRIP.x, y: event.clientY - DROP_GRIP.y });
      if (type) dropped.current = actions.addNode(type, position);
      else if (!store.getState().readOnly) addImages(files, position);
    },
    [actions, addImages, flow, store],
  );

  // Right-click menus (and Shift+F10 / the menu key on a focused node, connection or the canvas).
  const canvasRef = useRef<HTMLDivElement>(null);
  const menu = useCanvasMenu(canvasRef);

  return (
    <>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the menu key opens the context menu of whatever inside has the focus */}
      <div
        className="gf-canvas"
        ref={canvasRef}
        onKeyDown={menu.onKeyDown}
        onPointerDownCapture={holdPanPointer}
        onMouseDownCapture={pressPaneWithoutSelecting}
      >
        <NodeCanvasContext.Provider value={nodeCanvas}>
          <ReactFlow<EditorNode, EditorEdge>
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={actions.onNodesChange}
            onEdgesChange={actions.onEdgesChange}
            onConnect={onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onNodeClick={onNodeClick}
            onNodeDragStart={onDragStart}
            onNodeDragStop={actions.endGesture}
            onSelectionDragStart={onDragStart}
            onSelectionDragStop={actions.endGesture}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            edgesReconnectable={false}
            deleteKeyCode={null}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={MULTI_SELECT_KEYS}
            colorMode={colorMode}
            minZoom={MIN_ZOOM}
            maxZoom={MAX_ZOOM}
            defaultViewport={initialView}
            fitView={fitOnInit}
            fitViewOptions={FIT_VIEW}
            onDragOver={onDragOver}
            onDrop={onDrop}
            onlyRenderVisibleElements={!compact && nodes.length > VISIBLE_ONLY_FROM}
            onError={onFlowError}
            onNodeContextMenu={menu.onNodeContextMenu}
            onEdgeContextMenu={menu.onEdgeContextMenu}
            onPaneContextMenu={menu.onPaneContextMenu}
            onSelectionContextMenu={menu.onSelectionContextMenu}
          >
            {showBackground && <Background variant={BackgroundVariant.Dots} gap={20} size={1} />}
            {showControls && <Controls showInteractive={false} position="bottom-left" />}
            {showMiniMap && <MiniMap ariaLabel="Minimap of the workflow" />}
            <ConnectionHint />
          </ReactFlow>
        </NodeCanvasContext.Provider>
        {menu.open && menu.open.items.length > 0 && (
          <ContextMenu label={menu.open.label} items={menu.open.items} at={menu.open.at} onClose={menu.close} />
        )}
      </div>
      {inspector && (
        <NodeCanvasContext.Provider value={nodeCanvas}>
          <Inspector placedByHand={placedByHand} />
        </NodeCanvasContext.Provider>
      )}
    </>
  );
}
