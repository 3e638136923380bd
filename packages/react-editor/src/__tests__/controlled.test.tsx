import type { Workflow, WorkflowInput } from '@galaxyflow/engine';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { WorkflowEditor } from '../components/WorkflowEditor';
import { chain, registry, settingsOf } from './kit';

const other: Workflow = {
  nodes: [{ id: 'solo', type: 'json', position: { x: 0, y: 0 }, data: { mode: 'parse' } }],
  edges: [],
};

/** A host that keeps the workflow in its own state, as a controlled input does. */
function Host({ onChange }: { onChange: (workflow: Workflow) => void }) {
  const [value, setValue] = useState<WorkflowInput>(chain);
  return (
    <>
      <button type="button" onClick={() => setValue(other)}>
        Open the other workflow
      </button>
      <output aria-label="Host copy">{JSON.stringify(value.nodes.map((node) => node.data))}</output>
      <WorkflowEditor
        registry={registry}
        theme="light"
        style={{ width: '1000px', height: '700px' }}
        value={value}
        onChange={(workflow) => {
          onChange(workflow);
          setValue(workflow);
        }}
      />
    </>
  );
}

function renderHost() {
  const user = userEvent.setup();
  const onChange = vi.fn<(workflow: Workflow) => void>();
  const result = render(<Host onChange={onChange} />);
  const nodeIds = () => [...result.container.querySelectorAll('[data-testid^="gf-node-"]')].map((el) => el.getAttribute('data-testid'));
  return { user, onChange, nodeIds, ...result };
}

describe('controlled value + onChange', () => {
  it('starts from the value with nothing to undo, and reports edits that the host passes back unchanged', async () => {
    const { user, container, onChange } = renderHost();
    const field = await within(await waitFor(() => settingsOf(container, 'topic'))).findByRole('textbox', { name: 'Text' });
    expect(screen.getByRole('button', { name: 'Undo' })).toBeDisabled();
    expect(onChange).not.toHaveBeenCalled();

    await user.type(field, '!');
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.lastCall![0].nodes[0]!.data).toEqual({ text: 'Saturn!' });
    expect(screen.getByRole('status', { name: 'Host copy' })).toHaveTextContent('Saturn!');
    // The value coming back is the editor's own: the canvas keeps it and no step is added.
    expect(field).toHaveValue('Saturn!');
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(field).toHaveValue('Saturn');
    expect(screen.getByRole('button', { name: 'Undo' })).toBeDisabled();
    expect(screen.getByRole('status', { name: 'Host copy' })).toHaveTextContent('"Saturn"');
  });

  it('replaces the canvas when the host replaces the value, as one undo step, without echoing it to onChange', async () => {
    const { user, onChange, nodeIds } = renderHost();
    await waitFor(() => expect(nodeIds()).toEqual(['gf-node-topic', 'gf-node-prompt', 'gf-node-show']));

    await user.click(screen.getByRole('button', { name: 'Open the other workflow' }));
    await waitFor(() => expect(nodeIds()).toEqual(['gf-node-solo']));
    expect(onChange).not.toHaveBeenCalled();

    // One step back is the whole previous workflow; the host hears of it as an edit.
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(nodeIds()).toEqual(['gf-node-topic', 'gf-node-prompt', 'gf-node-show']));
    expect(screen.getByRole('button', { name: 'Undo' })).toBeDisabled();
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.lastCall![0].nodes.map((node) => node.id)).toEqual(['topic', 'prompt', 'show']);
    await user.click(screen.getByRole('button', { name: 'Redo' }));
    await waitFor(() => expect(nodeIds()).toEqual(['gf-node-solo']));
  });
});
