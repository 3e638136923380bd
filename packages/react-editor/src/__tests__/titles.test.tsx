import type { Workflow } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { registry, renderEditor } from './kit';

const unconnected: Workflow = {
  nodes: [
    { id: 'n_h2irskfjpj', type: 'llm', position: { x: 0, y: 0 }, data: { label: 'Summarize' } },
    { id: 'n_7tq0c4ke2m', type: 'debug', position: { x: 400, y: 0 }, data: {} },
  ],
  edges: [],
};

describe('messages a person reads', () => {
  it('name nodes by title in the toolbar and the Issues panel, with the id only on hover', async () => {
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ initialWorkflow: unconnected, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeDisabled());
    expect(run).toHaveAccessibleDescription(
      'Fix 2 issues first, e.g. "Summarize" needs its "Prompt" input connected.',
    );
    await user.click(screen.getByRole('button', { name: /^Issues/ }));
    const panel = screen.getByRole('complementary', { name: 'Issues' });
    const items = within(panel)
      .getAllByRole('button')
      .filter((button) => button.classList.contains('gf-issues__item'));
    expect(items.map((item) => item.textContent)).toEqual([
      'E_MISSING_INPUT"Summarize" needs its "Prompt" input connected.',
      'E_MISSING_INPUT"Debug" needs its "Value" input connected.',
    ]);
    expect(items.map((item) => item.getAttribute('title'))).toEqual([
      'Node id: n_h2irskfjpj',
      'Node id: n_7tq0c4ke2m',
    ]);
    expect(container.querySelector('.gf-toolbar')?.textContent).not.toMatch(/n_[a-z0-9]{10}/);
  });
});
