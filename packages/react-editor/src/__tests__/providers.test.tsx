import type { ProviderList, Workflow } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { registry, renderEditor, settingsOf } from './kit';

const localOnly: ProviderList = {
  providers: [
    {
      name: 'openai-compatible',
      label: 'OpenAI-compatible server',
      models: ['qwen2.5'],
      visionModels: [],
      supportsImages: false,
      default: true,
    },
  ],
  defaultProvider: 'openai-compatible',
};

const summarize = (provider?: string): Workflow => ({
  nodes: [
    { id: 'article', type: 'text', position: { x: 0, y: 0 }, data: { text: 'Long text' } },
    {
      id: 'n_h2irskfjpj',
      type: 'llm',
      position: { x: 320, y: 0 },
      data: { label: 'Summarize', ...(provider === undefined ? {} : { provider }) },
    },
  ],
  edges: [
    {
      id: 'e1',
      source: 'article',
      sourceHandle: 'text',
      target: 'n_h2irskfjpj',
      targetHandle: 'prompt',
    },
  ],
});

function open(workflow: Workflow) {
  const client = createMemoryClient({
    registry,
    workflows: [{ id: 'wf', version: 1, workflow }],
    providers: localOnly,
  });
  return { client, ...renderEditor({ client, workflowId: 'wf', draftKey: false }) };
}

describe('the Provider field', () => {
  it('offers "Server default" and exactly the providers the server configured', async () => {
    const { container } = open(summarize());
    const node = await waitFor(() => settingsOf(container, 'n_h2irskfjpj'));
    const select = await within(node).findByRole('combobox', { name: 'Provider' });
    await waitFor(() =>
      expect(
        within(select)
          .getAllByRole('option')
          .map((option) => option.textContent),
      ).toEqual(['Server default (OpenAI-compatible server)', 'OpenAI-compatible server']),
    );
    expect(select).toHaveValue('');
  });

  it('flags a node naming a provider the server lacks before Run, by its title, and runs nothing', async () => {
    const { client, user, container } = open(summarize('gemini'));
    const node = await waitFor(() => settingsOf(container, 'n_h2irskfjpj'));
    const select = await within(node).findByRole('combobox', { name: 'Provider' });
    await waitFor(() =>
      expect(
        within(select).getByRole('option', { name: 'gemini (not on this server)' }),
      ).toBeInTheDocument(),
    );
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeDisabled());
    expect(run).toHaveAccessibleDescription(/"Summarize" uses Gemini/);
    await user.click(screen.getByRole('button', { name: /^Issues/ }));
    const panel = await screen.findByRole('complementary', { name: 'Issues' });
    expect(panel).toHaveTextContent(
      '"Summarize" uses Gemini, which this server does not have; pick one of: OpenAI-compatible server.',
    );
    expect(client.calls.some((call) => call.method === 'execute')).toBe(false);
    // Another panel takes the inspector's place; closed, the node's settings come back.
    expect(select).not.toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Close Issues' }));
    const again = await within(await waitFor(() => settingsOf(container, 'n_h2irskfjpj'))).findByRole('combobox', { name: 'Provider' });
    await user.selectOptions(again, 'openai-compatible');
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(screen.getByRole('button', { name: /^Issues/ }));
    expect(await screen.findByRole('complementary', { name: 'Issues' })).not.toHaveTextContent('uses Gemini');
  });
});
