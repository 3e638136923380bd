import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { chain, registry, renderEditor } from './kit';

describe('sticky notes', () => {
  it('are added from the palette, edited when selected, and shown with light markdown', async () => {
    const client = createMemoryClient({
      registry,
      workflows: [{ id: 'w', version: 1, workflow: chain }],
    });
    const { user, container } = renderEditor({ client, workflowId: 'w', draftKey: false });
    await screen.findByText('All changes saved');
    await user.click(screen.getByRole('button', { name: 'Add Note node' }));
    const text = await screen.findByRole('textbox', { name: 'Note text' });
    fireEvent.change(text, { target: { value: '# Why\n- asks about **Saturn**' } });
    await user.click(
      within(screen.getByRole('group', { name: 'Note colour' })).getByRole('button', {
        name: 'blue note',
      }),
    );
    // Deselected, the note reads as text.
    await user.keyboard('{Escape}');
    const note = await waitFor(() => {
      const element = container.querySelector<HTMLElement>('.gf-note');
      expect(element).not.toBeNull();
      expect(element!.querySelector('textarea')).toBeNull();
      return element!;
    });
    expect(note).toHaveClass('gf-note--blue');
    expect(note.querySelector('.gf-note__heading')).toHaveTextContent('Why');
    expect(note.querySelector('li strong')).toHaveTextContent('Saturn');
    // Saving keeps the note in the workflow.
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.peek('w')?.version).toBe(2));
    const saved = client.peek('w')!.workflow.nodes.find((node) => node.type === 'note');
    expect(saved?.data).toMatchObject({ text: '# Why\n- asks about **Saturn**', color: 'blue' });
  });

  it('never block a run and never run: the workflow runs as if they were not there', async () => {
    const withNote = {
      ...chain,
      nodes: [
        ...chain.nodes,
        {
          id: 'memo',
          type: 'note',
          position: { x: 0, y: 300 },
          data: { text: 'Explains the chain' },
        },
      ],
    };
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ client, initialWorkflow: withNote });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded');
    const memo = container.querySelector('[data-testid="gf-note-memo"]')!;
    expect(memo).toHaveTextContent('Explains the chain');
    expect(memo.closest('.react-flow__node')?.textContent).not.toMatch(/Done|Failed|Skipped/);
  });
});
