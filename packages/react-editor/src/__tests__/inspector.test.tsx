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

const LINE = 14;
const CLIP = 3 * LINE;

/**
 * Gives output previews a height, which jsdom never computes: as many lines as their text
 * has, their box capped at three lines. Returns what puts jsdom's own (zero) heights back.
 */
function layOutPreviewLines(): () => void {
  const lines = (element: HTMLElement) =>
    element.classList.contains('gf-preview') ? (element.textContent ?? '').split('\n').length * LINE : 0;
  Object.defineProperties(HTMLElement.prototype, {
    scrollHeight: { configurable: true, get: function (this: HTMLElement) { return lines(this); } },
    clientHeight: { configurable: true, get: function (this: HTMLElement) { return Math.min(lines(this), CLIP); } },
  });
  return () => {
    delete (HTMLElement.prototype as { scrollHeight?: number }).scrollHeight;
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  };
}

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

  it('shows "Show more" only on an output the preview cuts off, and the whole result in the panel', async () => {
    // jsdom lays nothing out: a preview box is as tall as its lines, capped at the node's
    // three-line clip, as a browser draws it.
    const restore = layOutPreviewLines();
    try {
      const long = Array.from({ length: 12 }, (_, i) => `Line ${i + 1}`).join('\n');
      const workflow: Workflow = {
        ...chain,
        nodes: [
          ...chain.nodes,
          { id: 'long', type: 'text', position: { x: 0, y: 300 }, data: { text: long } },
          { id: 'showLong', type: 'debug', position: { x: 300, y: 300 }, data: { label: 'Long' } },
        ],
        edges: [
          ...chain.edges,
          { id: 'e3', source: 'long', sourceHandle: 'text', target: 'showLong', targetHandle: 'value' },
        ],
      };
      const client = createMemoryClient({ registry });
      const { user, container } = renderEditor({ initialWorkflow: workflow, client });
      const run = screen.getByRole('button', { name: 'Run' });
      await waitFor(() => expect(run).toBeEnabled());
      await user.click(run);
      await screen.findByText('Run succeeded', {}, { timeout: 5_000 });

      // One short line fits: nothing more to show.
      const show = within(nodeElement(container, 'show'));
      expect(show.getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Saturn');
      expect(show.queryByRole('button', { name: /^Show (more|less)$/ })).toBeNull();

      // Twelve lines are cut to three: the toggle shows them all, and folds them again.
      const longNode = within(nodeElement(container, 'showLong'));
      expect(longNode.getByRole('region', { name: 'Output' })).toHaveTextContent('Line 12');
      const toggle = await longNode.findByRole('button', { name: 'Show more' });
      expect(toggle).toHaveAttribute('aria-expanded', 'false');
      const output = nodeElement(container, 'showLong').querySelector('.gf-node__output');
      expect(output).not.toHaveClass('gf-node__output--expanded');
      await user.click(toggle);
      expect(longNode.getByRole('button', { name: 'Show less' })).toHaveAttribute('aria-expanded', 'true');
      expect(output).toHaveClass('gf-node__output--expanded');
      await user.click(longNode.getByRole('button', { name: 'Show less' }));
      expect(longNode.getByRole('button', { name: 'Show more' })).toHaveAttribute('aria-expanded', 'false');

      fireEvent.click(wrapperOf(container, 'show'));
      const panel = await screen.findByRole('complementary', { name: 'Settings of Debug' });
      const last = within(panel).getByRole('region', { name: 'Last run' });
      expect(within(last).getByText('Done')).toBeInTheDocument();
      expect(within(last).getByRole('region', { name: 'Output' })).toHaveTextContent(
        'Facts about Saturn',
      );
    } finally {
      restore();
    }
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
