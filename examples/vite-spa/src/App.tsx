import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { createMemoryClient, WorkflowEditor } from '@galaxyflow/react-editor';
import { helloWorkflow } from './helloWorkflow';

// The node types the palette offers and the engine runs. Add your own with defineNode.
const registry = createRegistry(builtinNodes);

// Keeps workflows and runs in memory and runs them in this page with the engine: no server.
const client = createMemoryClient({
  registry,
  workflows: [{ id: 'hello', version: 1, name: 'Hello', workflow: helloWorkflow }],
});

export function App() {
  return (
    <WorkflowEditor
      registry={registry}
      client={client}
      workflowId="hello"
      title="Hello, Galaxy Flow"
      style={{ height: '100%' }}
    />
  );
}
