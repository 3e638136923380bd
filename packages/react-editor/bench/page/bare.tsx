// The baseline of the editor bench: bare @xyflow/react drawing the same graph as main.tsx
// (same positions, same node and edge count) with its default nodes and edges, controlled the
// way its docs show, built by the same Vite config.
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
  ReactFlow,
} from '@xyflow/react';
import { useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { largeWorkflow } from '../../src/fixtures/workflows';
import '@xyflow/react/dist/style.css';

declare global {
  interface Window {
    __gf: { startedAt: number };
  }
}

window.__gf = { startedAt: performance.now() };
const params = new URLSearchParams(location.search);
const workflow = largeWorkflow(Number(params.get('nodes') ?? 1_000));
// Default nodes have one unnamed handle per side: edges attach to those.
const initialNodes: Node[] = workflow.nodes.map((node) => ({
  id: node.id,
  position: node.position,
  data: { label: typeof node.data.text === 'string' ? node.data.text : node.type },
}));
const initialEdges: Edge[] = workflow.edges.map((edge) => ({
  id: edge.id,
  source: edge.source,
  target: edge.target,
}));

function Bare() {
  const [nodes, setNodes] = useState(initialNodes);
  const [edges, setEdges] = useState(initialEdges);
  const onNodesChange = useCallback(
    (changes: NodeChange[]) => setNodes((current) => applyNodeChanges(changes, current)),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => setEdges((current) => applyEdgeChanges(changes, current)),
    [],
  );
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      minZoom={0.05}
      fitView
    />
  );
}

createRoot(document.getElementById('root')!).render(<Bare />);
