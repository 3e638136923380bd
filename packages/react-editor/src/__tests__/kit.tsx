import { builtinNodes, createRegistry, type Workflow } from '@galaxyflow/engine';
import { fireEvent, render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { WorkflowEditor } from '../components/WorkflowEditor';
import type { WorkflowEditorProps } from '../components/WorkflowEditor/types';

export const registry = createRegistry(builtinNodes);

/** Text -> Template({{topic}}) -> Debug. */
export const chain: Workflow = {
  nodes: [
    { id: 'topic', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Saturn' } },
    { id: 'prompt', type: 'template', position: { x: 300, y: 0 }, data: { template: 'Facts about {{topic}}' } },
    { id: 'show', type: 'debug', position: { x: 600, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'topic', sourceHandle: 'text', target: 'prompt', targetHandle: 'topic' },
    { id: 'e2', source: 'prompt', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
  ],
};

export function renderEditor(props: Partial<WorkflowEditorProps> = {}) {
  const user = userEvent.setup();
  const result = render(
    <WorkflowEditor registry={registry} theme="light" style={{ width: '1000px', height: '700px' }} {...props} />,
  );
  return { user, ...result };
}

/** The node element on the canvas. */
export function nodeElement(container: HTMLElement, id: string): HTMLElement {
  const element = container.querySelector<HTMLElement>(`[data-testid="gf-node-${id}"]`);
  if (!element) throw new Error(`No node "${id}" on the canvas.`);
  return element;
}

/**
 * The inspector panel of a node: selects the node with a click, as a user does, when it is not
 * selected yet, and returns the panel that holds its settings.
 */
export function settingsOf(container: HTMLElement, id: string): HTMLElement {
  const wrapper = nodeElement(container, id).closest<HTMLElement>('.react-flow__node');
  if (!wrapper) throw new Error(`Node "${id}" is not drawn by the canvas.`);
  if (!wrapper.classList.contains('selected')) fireEvent.click(wrapper);
  const panel = container.querySelector<HTMLElement>('[data-testid="gf-inspector"]');
  if (!panel) throw new Error(`No settings panel opened for node "${id}".`);
  return panel;
}
