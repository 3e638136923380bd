import type { Workflow } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { brokenNodeFault, brokenRegistry } from '../fixtures/brokenNode';
import { useWorkflowEditor } from '../hooks/useWorkflowEditor';
import { nodeElement, renderEditor, settingsOf } from './kit';

/** Host chrome inside the editor that edits the broken node's data, as a script or plugin might. */
function RenameButton() {
  const { actions } = useWorkflowEditor();
  return (
    <button type="button" onClick={() => actions.updateNodeData('bad', { label: 'Fixed plugin' })}>
      Rename the plugin node
    </button>
  );
}

/** Text -> Broken plugin -> Debug: the broken node sits between two healthy ones, with edges. */
const withBrokenNode: Workflow = {
  nodes: [
    { id: 'topic', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Saturn' } },
    { id: 'bad', type: 'broken_plugin', position: { x: 300, y: 0 }, data: { label: 'Flaky plugin' } },
    { id: 'show', type: 'debug', position: { x: 600, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'topic', sourceHandle: 'text', target: 'bad', targetHandle: 'value' },
    { id: 'e2', source: 'bad', sourceHandle: 'value', target: 'show', targetHandle: 'value' },
  ],
};

describe('a node that throws while rendering', () => {
  let consoleError: MockInstance<typeof console.error>;
  beforeEach(() => {
    brokenNodeFault.on = true;
    // React and the boundary report the failure on the console; the test reads it there.
    consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    // React Flow warns that the crashed node's handles are gone.
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    brokenNodeFault.on = true;
    vi.restoreAllMocks();
  });

  it('shows an error card in its place, from its header down, while the rest of the editor keeps working', async () => {
    const onChange = vi.fn<(workflow: Workflow) => void>();
    const { user, container } = renderEditor({ registry: brokenRegistry, initialWorkflow: withBrokenNode, onChange });
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(3));

    const bad = within(nodeElement(container, 'bad'));
    expect(bad.getByText('Flaky plugin')).toBeInTheDocument();
    const alert = bad.getByRole('alert');
    expect(alert).toHaveTextContent('This node could not be displayed.');
    expect(alert).toHaveTextContent('broken_plugin: previewOutput is not available.');
    expect(consoleError).toHaveBeenCalledWith(
      'Galaxy Flow: node "Flaky plugin" failed to render.',
      expect.any(Error),
      expect.any(String),
    );

    // The other nodes render in full and can be edited; history and the palette still work.
    const field = within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' });
    await user.type(field, ' rings');
    expect(field).toHaveValue('Saturn rings');
    expect(onChange.mock.lastCall![0].nodes[0]!.data).toEqual({ text: 'Saturn rings' });
    expect(within(nodeElement(container, 'show')).getByText('Debug')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(field).toHaveValue('Saturn');
    await user.click(screen.getByRole('button', { name: 'Add Text node' }));
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(4));
    // The broken node is still in the workflow: nothing was lost by drawing it as a card.
    expect(onChange.mock.lastCall![0].nodes.map((node) => node.id)).toContain('bad');
  });

  it('draws the node again on "Try again" once the cause is gone', async () => {
    const { user, container } = renderEditor({ registry: brokenRegistry, initialWorkflow: withBrokenNode });
    const alert = await within(await waitFor(() => nodeElement(container, 'bad'))).findByRole('alert');
    brokenNodeFault.on = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    const bad = within(nodeElement(container, 'bad'));
    expect(bad.queryByRole('alert')).toBeNull();
    expect(bad.getByText('Flaky plugin')).toBeInTheDocument();
    expect(nodeElement(container, 'bad').querySelector('.react-flow__handle[data-handleid="value"]')).not.toBeNull();
  });

  it('draws the node again by itself when its data changes, e.g. by an edit or an undo', async () => {
    const { user, container } = renderEditor({
      registry: brokenRegistry,
      initialWorkflow: withBrokenNode,
      children: <RenameButton />,
    });
    await within(await waitFor(() => nodeElement(container, 'bad'))).findByRole('alert');
    brokenNodeFault.on = false;
    await user.click(screen.getByRole('button', { name: 'Rename the plugin node' }));
    const bad = within(nodeElement(container, 'bad'));
    expect(bad.queryByRole('alert')).toBeNull();
    expect(bad.getByText('Fixed plugin')).toBeInTheDocument();
  });
});
