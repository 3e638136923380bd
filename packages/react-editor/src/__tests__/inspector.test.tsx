import type { Workflow } from '@galaxyflow/engine';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { chain, nodeElement, registry, renderEditor } from './kit';

const wrapperOf = (container: HTMLElement, id: string) =>
  nodeElement(container, id).closest<HTMLElement>('.react-flow__node')!;

const withLlm: Workflow = {
  nodes: [
    {
      id: 'topic',
      type: 'text',
      position: { x: 0, y: 0 },
      data: { text: 'Saturn\nand its rings' },
    },
    {
      id: 'ask',
      type: 'llm',
      position: { x: 300, y: 0 },
      data: {
        label: 'Ask',
        provider: 'groq',
        model: 'llama-3.3-70b-versatile',
        prompt: 'Tell me about {{input}}',
      },
    },
  ],
  edges: [
    { id: 'e', source: 'topic', sourceHandle: 'text', target: 'ask', targetHandle: 'prompt' },
  ],
};

describe('the inspector', () => {
  it('opens on the clicked node with its title, type and fields; edits are the node’s data and undo', async () => {
    const onChange = vi.fn<(workflow: Workflow) => void>();
    const { user, container } = renderEditor({ initialWorkflow: withLlm, onChange });
    await waitFor(() => nodeElement(container, 'ask'));
    // Nothing selected: no panel, and the node carries no form.
    expect(screen.queryByRole('complementary', { name: /^Settings of/ })).toBeNull();
    expect(within(nodeElement(container, 'ask')).queryByRole('textbox')).toBeNull();
    expect(within(nodeElement(container, 'ask')).queryByRole('combobox')).toBeNull();

    fireEvent.click(wrapperOf(container, 'ask'));
    const panel = await screen.findByRole('complementary', { name: 'Settings of Ask' });
    expect(within(panel).getByRole('heading', { name: 'Ask' })).toBeInTheDocument();
    expect(within(panel).getByText('LLM')).toBeInTheDocument();
    expect(within(panel).getByRole('combobox', { name: 'Provider' })).toBeInTheDocument();
    // Advanced settings stay folded, as they were on the node.
    expect(within(panel).getByText('Advanced').closest('details')).not.toHaveAttribute('open');

    const prompt = within(panel).getByRole('textbox', { name: 'Prompt' });
    await user.clear(prompt);
    await user.type(prompt, 'Summarize');
    expect(onChange.mock.lastCall![0].nodes.find((node) => node.id === 'ask')!.data).toMatchObject({
      prompt: 'Summarize',
    });
    await user.keyboard('{Control>}z{/Control}');
    expect(prompt).toHaveValue('Tell me about {{input}}');
    expect(onChange.mock.lastCall![0].nodes.find((node) => node.id === 'ask')!.data).toMatchObject({
      prompt: 'Tell me about {{input}}',
    });
  });

  it('follows the selection to another node and closes with Escape or ×', async () => {
    const { user, container } = renderEditor({ initialWorkflow: withLlm });
    await waitFor(() => nodeElement(container, 'topic'));
    fireEvent.click(wrapperOf(container, 'topic'));
    const panel = await screen.findByRole('complementary', { name: 'Settings of Text' });
    expect(within(panel).getByRole('textbox', { name: 'Text' })).toHaveValue(
      'Saturn\nand its rings',
    );

    fireEvent.click(wrapperOf(container, 'ask'));
    await screen.findByRole('complementary', { name: 'Settings of Ask' });
    expect(screen.queryByRole('complementary', { name: 'Settings of Text' })).toBeNull();

    wrapperOf(container, 'ask').focus();
    await user.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('complementary', { name: /^Settings of/ })).toBeNull(),
    );

    fireEvent.click(wrapperOf(container, 'ask'));
    await user.click(await screen.findByRole('button', { name: 'Close settings' }));
    await waitFor(() =>
      expect(screen.queryByRole('complementary', { name: /^Settings of/ })).toBeNull(),
    );
    expect(wrapperOf(container, 'ask')).not.toHaveClass('selected');
  });

  it('sums each node up in one line: an LLM’s provider and model, a Text’s first line', async () => {
    const { container } = renderEditor({ initialWorkflow: withLlm });
    await waitFor(() => nodeElement(container, 'ask'));
    expect(nodeElement(container, 'ask').querySelector('.gf-node__summary')).toHaveTextContent(
      'Groq · llama-3.3-70b-versatile',
    );
    expect(nodeElement(container, 'topic').querySelector('.gf-node__summary')).toHaveTextContent(
      /^Saturn$/,
    );
  });

  it('shows a short output preview that expands on demand, and the whole result in the panel', async () => {
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });

    const show = within(nodeElement(container, 'show'));
    expect(show.getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Saturn');
    const toggle = show.getByRole('button', { name: 'Show more' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(nodeElement(container, 'show').querySelector('.gf-node__output')).not.toHaveClass(
      'gf-node__output--expanded',
    );
    await user.click(toggle);
    expect(show.getByRole('button', { name: 'Show less' })).toHaveAttribute(
      'aria-expanded',
      'true',
    );
    expect(nodeElement(container, 'show').querySelector('.gf-node__output')).toHaveClass(
      'gf-node__output--expanded',
    );

    fireEvent.click(wrapperOf(container, 'show'));
    const panel = await screen.findByRole('complementary', { name: 'Settings of Debug' });
    const last = within(panel).getByRole('region', { name: 'Last run' });
    expect(within(last).getByText('Done')).toBeInTheDocument();
    expect(within(last).getByRole('region', { name: 'Output' })).toHaveTextContent(
      'Facts about Saturn',
    );
  });

  it('keeps every setting on the node with nodeSettings="inline"', async () => {
    const { container } = renderEditor({ initialWorkflow: withLlm, nodeSettings: 'inline' });
    const field = await within(await waitFor(() => nodeElement(container, 'topic'))).findByRole(
      'textbox',
      { name: 'Text' },
    );
    expect(field).toHaveValue('Saturn\nand its rings');
    expect(nodeElement(container, 'topic').querySelector('.gf-node__summary')).toBeNull();
    fireEvent.click(wrapperOf(container, 'topic'));
    expect(screen.queryByRole('complementary', { name: /^Settings of/ })).toBeNull();
  });
});
