import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { chain, nodeElement, registry, renderEditor } from './kit';

const wrapperOf = (container: HTMLElement, id: string) =>
  nodeElement(container, id).closest<HTMLElement>('.react-flow__node')!;

describe('context menus', () => {
  it('offer a node’s actions with their shortcuts, focus the first and close on Escape', async () => {
    const { user, container } = renderEditor({
      initialWorkflow: chain,
      client: createMemoryClient({ registry }),
    });
    fireEvent.contextMenu(wrapperOf(container, 'prompt'), { clientX: 200, clientY: 120 });
    const menu = await screen.findByRole('menu', { name: 'Node actions: Template' });
    const items = within(menu).getAllByRole('menuitem');
    expect(items.map((item) => item.textContent)).toEqual([
      'Run to here',
      'DuplicateCtrl+D',
      'CopyCtrl+C',
      'CutCtrl+X',
      'DeleteDelete',
    ]);
    expect(items[1]).toHaveAttribute('aria-keyshortcuts', 'Control+D');
    expect(items[0]).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(items[1]).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(items[4]).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    // The right-clicked node became the selection; Escape closed only the menu.
    expect(wrapperOf(container, 'prompt')).toHaveClass('selected');
  });

  it('run the chosen action: Delete from the menu removes the node, as one undo step', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    fireEvent.contextMenu(wrapperOf(container, 'show'), { clientX: 200, clientY: 120 });
    const menu = await screen.findByRole('menu');
    await user.click(within(menu).getByRole('menuitem', { name: /^Delete/ }));
    await waitFor(() => expect(container.querySelector('[data-testid="gf-node-show"]')).toBeNull());
    expect(screen.queryByRole('menu')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(nodeElement(container, 'show')).toBeInTheDocument());
  });

  it('on a connection, delete it; on the canvas, list paste, undo and fit, and add a note where it was clicked', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    await waitFor(() => expect(container.querySelector('.react-flow__edge')).not.toBeNull());
    fireEvent.contextMenu(
      container.querySelector('.react-flow__edge-interaction, .react-flow__edge path')!,
      { clientX: 10, clientY: 10 },
    );
    const edgeMenu = await screen.findByRole('menu', { name: 'Connection actions' });
    await user.click(within(edgeMenu).getByRole('menuitem', { name: /^Delete connection/ }));
    await waitFor(() => expect(container.querySelectorAll('.react-flow__edge')).toHaveLength(1));

    fireEvent.contextMenu(container.querySelector('.react-flow__pane')!, {
      clientX: 300,
      clientY: 400,
    });
    const paneMenu = await screen.findByRole('menu', { name: 'Canvas actions' });
    expect(
      within(paneMenu)
        .getAllByRole('menuitem')
        .map((item) => item.textContent),
    ).toEqual([
      'Add a note here',
      'PasteCtrl+V',
      'Select allCtrl+A',
      'UndoCtrl+Z',
      'RedoCtrl+Shift+Z',
      'Tidy up',
      'Fit viewShift+1',
    ]);
    expect(within(paneMenu).getByRole('menuitem', { name: /^Undo/ })).toBeEnabled();
    await user.click(within(paneMenu).getByRole('menuitem', { name: 'Add a note here' }));
    await waitFor(() => expect(container.querySelector('.gf-note')).not.toBeNull());
  });

  it('open from the keyboard with Shift+F10 on a focused node', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    const wrapper = wrapperOf(container, 'topic');
    wrapper.focus();
    await user.keyboard('{Shift>}{F10}{/Shift}');
    const menu = await screen.findByRole('menu', { name: /^Node actions/ });
    expect(within(menu).getAllByRole('menuitem')[0]).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(wrapper).toHaveFocus();
  });
});
