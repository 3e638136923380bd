import type { Workflow } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { nodeElement, registry, renderEditor } from './kit';

// The LLM node fails for real: the in-page engine has no provider to call.
const ask: Workflow = {
  nodes: [
    {
      id: 'n_q',
      type: 'text',
      position: { x: 0, y: 0 },
      data: { label: 'Question', text: 'Why?' },
    },
    { id: 'n_h2irskfjpj', type: 'llm', position: { x: 320, y: 0 }, data: { label: 'Answer' } },
    { id: 'n_show', type: 'debug', position: { x: 700, y: 0 }, data: { label: 'Show' } },
  ],
  edges: [
    {
      id: 'e1',
      source: 'n_q',
      sourceHandle: 'text',
      target: 'n_h2irskfjpj',
      targetHandle: 'prompt',
    },
    {
      id: 'e2',
      source: 'n_h2irskfjpj',
      sourceHandle: 'text',
      target: 'n_show',
      targetHandle: 'value',
    },
  ],
};

describe('a failed run', () => {
  it('names the failed node by title and its message in the toolbar, and a click opens its detail', async () => {
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ initialWorkflow: ask, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    const toolbar = screen.getByRole('toolbar', { name: 'Workflow editor' });
    await within(toolbar).findByText('Run failed');
    const failure = within(toolbar).getByRole('button', { name: /^"Answer" failed: / });
    expect(failure).toHaveTextContent(
      '"Answer" failed: This server has no model provider configured',
    );
    expect(failure.getAttribute('title')).toContain('Node id: n_h2irskfjpj');

    // The node after it was stopped by fail_fast, and says so rather than "Canceled."
    expect(
      within(nodeElement(container, 'n_show')).getByText('Canceled because "Answer" failed.'),
    ).toBeInTheDocument();

    await user.click(failure);
    const detail = screen.getByRole('complementary', { name: 'Error in Answer' });
    expect(detail).toHaveTextContent('E_PROVIDER_NOT_CONFIGURED');
  });
});
