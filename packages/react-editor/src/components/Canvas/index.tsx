import type { ConnectionInput } from '@galaxyflow/engine';
import {
  Background,
  BackgroundVariant,
  type Connection,
  Controls,
  type Edge,
  type FinalConnectionState,
  MiniMap,
  type NodeTypes,
  ReactFlow,
  type EdgeTypes,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { validateConnectionFor } from '../../store/validation';
import type { EditorEdge, EditorNode } from '../../types';
import { ConnectionHint } from '../ConnectionHint';
import { PALETTE_MIME } from '../Palette/dragData';
import { RunEdge } from '../RunEdge';
import { WorkflowNode } from '../WorkflowNode';
import type { CanvasProps } from './types';

export type { CanvasProps } from './types';

const edgeTypes: EdgeTypes = { default: RunEdge };
const FIT_VIEW = { padding: 0.15, maxZoom: 1 };
const MULTI_SELECT_KEYS = ['Meta', 'Control'];
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

function minimapColor(node: EditorNode): string {
  return node.selected ? 'var(--gf-accent)' : 'var(--gf-minimap-node)';
}

/** The React Flow canvas of the enclosing editor. */
export function Canvas({ showMiniMap = true, showControls = true, showBackground = true, colorMode = 'light' }: CanvasProps) {
  const nodes = useEditorState((state) => state.nodes);
  const edges = useEditorState((state) => state.edges);
  const registry = useEditorState((state) => state.registry);
  const readOnly = useEditorState((state) => state.readOnly);
  const actions = useEditorState((state) => state.actions);
  const { store } = useEditorContext();
  const flow = useReactFlow<EditorNode, EditorEdge>();
  const viewEpoch = useEditorState((state) => state.viewEpoch);
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
    const attempt = () => {
      const nodes = flow.getNodes();
      const measured = nodes.length > 0 && nodes.every((node) => flow.getInternalNode(node.id)?.measured.width);
      if (measured || tries++ > 60) void flow.fitView(FIT_VIEW);
      else frame = requestAnimationFrame(attempt);
    };
    frame = requestAnimationFrame(attempt);
    return () => cancelAnimationFrame(frame);
  }, [viewEpoch, flow, store]);

  // Every registered type draws with the same component; `default` catches unknown types.
  const nodeTypes = useMemo<NodeTypes>(
    () => Object.fromEntries([...registry.list().map((d) => [d.type, WorkflowNode]), ['default', WorkflowNode]]),
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

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      event.preventDefault();
      // The pointer lands on the new node's header, a fixed few screen pixels in from its corner,
      // whatever the zoom: where the user let go is where the node is.
      const position = flow.screenToFlowPosition({ x: event.clientX - DROP_GRIP.x, y: event.clientY - DROP_GRIP.y });
      actions.addNode(type, position);
    },
    [actions, flow],
  );

  return (
    <div className="gf-canvas">
      <ReactFlow<EditorNode, EditorEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={actions.onNodesChange}
        onEdgesChange={actions.onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
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
        minZoom={0.05}
        maxZoom={2}
        fitView={fitOnInit}
        fitViewOptions={FIT_VIEW}
        onDragOver={onDragOver}
        onDrop={onDrop}
        onlyRenderVisibleElements={nodes.length > 200}
        onError={onFlowError}
      >
        {showBackground && <Background variant={BackgroundVariant.Dots} gap={20} size={1} />}
        {showControls && <Controls showInteractive={false} position="bottom-left" />}
        {showMiniMap && (
          <MiniMap<EditorNode>
            pannable
            zoomable
            nodeColor={minimapColor}
            ariaLabel="Minimap of the workflow"
            position="bottom-right"
          />
        )}
        <ConnectionHint />
      </ReactFlow>
    </div>
  );
}
