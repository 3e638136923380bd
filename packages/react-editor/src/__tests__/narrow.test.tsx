import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { chain, registry, renderEditor } from './kit';

/** The editor's root measures as a phone (390 px wide); everything else as jsdom does. */
function asPhone() {
  const original = HTMLElement.prototype.getBoundingClientRect;
  return vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (
    this: HTMLElement,
  ) {
    if (this.classList.contains('gf-editor'))
      return {
        x: 0,
        y: 0,
        top: 0,
        left: 0,
        right: 390,
        bottom: 844,
        width: 390,
        height: 844,
        toJSON: () => ({}),
      };
    return original.call(this);
  });
}

describe('a phone-wide editor', () => {
  let spy: ReturnType<typeof asPhone>;
  beforeEach(() => {
    spy = asPhone();
  });
  afterEach(() => spy.mockRestore());

  it('lists the nodes as steps in the order data flows, with their live status and output', async () => {
    const client = createMemoryClient({
      registry,
      workflows: [{ id: 'w', version: 1, workflow: chain }],
    });
    const { user, container } = renderEditor({ client, workflowId: 'w', draftKey: false });
    const steps = await screen.findByRole('region', { name: 'Steps' });
    await waitFor(() => expect(within(steps).getAllByRole('listitem')).toHaveLength(3));
    expect(container.querySelector('.gf-editor')).toHaveAttribute('data-layout', 'narrow');
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map((item) => item.querySelector('strong')?.textContent),
    ).toEqual(['Text', 'Template', 'Debug']);
    // No palette, and the toolbar's extras sit in its menu.
    expect(screen.queryByRole('navigation', { name: 'Node palette' })).toBeNull();
    const menu = screen.getByRole('toolbar', { name: 'Workflow editor' }).querySelector('details')!;
    expect(
      screen.getAllByRole('button', { name: 'Undo' }).every((button) => menu.contains(button)),
    ).toBe(true);
    expect(within(menu).getByRole('button', { name: 'Versions' })).toBeInTheDocument();
    expect(within(menu).getByRole('button', { name: 'Undo' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Succeeded');
    const items = within(steps).getAllByRole('listitem');
    for (const item of items) expect(within(item).getByText('Done')).toBeInTheDocument();
    expect(within(items[2]!).getByRole('region', { name: 'Output' })).toHaveTextContent(
      'Facts about Saturn',
    );
  });

  it('switches between the steps and the full-width canvas', async () => {
    const { user } = renderEditor({ initialWorkflow: chain });
    await screen.findByRole('region', { name: 'Steps' });
    await user.click(screen.getByRole('button', { name: 'Show the canvas' }));
    expect(screen.queryByRole('region', { name: 'Steps' })).toBeNull();
    expect(screen.getByRole('application')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Show the steps as a list' }));
    await user.click(
      within(screen.getByRole('region', { name: 'Steps' })).getAllByRole('button', {
        name: 'Show on canvas',
      })[1]!,
    );
    expect(screen.queryByRole('region', { name: 'Steps' })).toBeNull();
    await waitFor(() =>
      expect(
        document.querySelector('[data-testid="gf-node-prompt"]')?.closest('.react-flow__node'),
      ).toHaveClass('selected'),
    );
    // Shown, not opened: the settings would cover the whole phone, node and all.
    expect(screen.queryByRole('complementary', { name: /^Settings of/ })).toBeNull();
    // A tap on it opens them, as on any node.
    fireEvent.click(
      document.querySelector('[data-testid="gf-node-prompt"]')!.closest('.react-flow__node')!,
    );
    expect(
      await screen.findByRole('complementary', { name: 'Settings of Template' }),
    ).toBeInTheDocument();
  });
});
