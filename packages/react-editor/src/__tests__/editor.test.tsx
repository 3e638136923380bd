import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Workflow } from '@galaxyflow/engine';
import { createMemoryClient } from '../client/createMemoryClient';
import { largeWorkflow } from '../fixtures/workflows';
import { chain, nodeElement, registry, settingsOf, renderEditor } from './kit';

describe('node forms', () => {
  it('writes typed text into the node data, and one Ctrl+Z takes back the whole burst', async () => {
    const onChange = vi.fn<(workflow: Workflow) => void>();
    const { user, container } = renderEditor({ initialWorkflow: chain, onChange });
    const field = await within(await waitFor(() => settingsOf(container, 'topic'))).findByRole('textbox', { name: 'Text' });
    await user.clear(field);
    await user.type(field, 'Jupiter');
    expect(field).toHaveValue('Jupiter');
    const last = onChange.mock.lastCall![0];
    expect(last.nodes.find((node) => node.id === 'topic')!.data).toEqual({ text: 'Jupiter' });
    // The node on the canvas sums its setting up in one line.
    expect(nodeElement(container, 'topic').querySelector('.gf-node__summary')).toHaveTextContent('Jupiter');

    await user.keyboard('{Control>}z{/Control}');
    expect(field).toHaveValue('Saturn');
    expect(nodeElement(container, 'topic').querySelector('.gf-node__summary')).toHaveTextContent('Saturn');
    await user.keyboard('{Control>}{Shift>}z{/Shift}{/Control}');
    expect(field).toHaveValue('Jupiter');
  });

  it('shows fields only when their condition holds, and writes selects and checkboxes', async () => {
    const { user, container } = renderEditor({
      initialWorkflow: { nodes: [{ id: 'j', type: 'json', position: { x: 0, y: 0 }, data: {} }], edges: [] },
    });
    const node = within(await waitFor(() => settingsOf(container, 'j')));
    await node.findByRole('combobox', { name: 'Mode' });
    expect(node.queryByRole('textbox', { name: 'Path' })).toBeNull();
    await user.selectOptions(node.getByRole('combobox', { name: 'Mode' }), 'pick');
    await user.type(node.getByRole('textbox', { name: 'Path' }), 'items[[0]'); // `[[` types one `[`
    expect(node.getByRole('textbox', { name: 'Path' })).toHaveValue('items[0]');

    await user.selectOptions(node.getByRole('combobox', { name: 'Mode' }), 'stringify');
    const pretty = node.getByRole('checkbox', { name: 'Pretty print' });
    expect(pretty).toBeChecked(); // the schema default
    await user.click(pretty);
    expect(pretty).not.toBeChecked();
  });

  it('turns each {{placeholder}} typed into a template into an input port', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    const node = within(nodeElement(container, 'prompt'));
    const template = await within(await waitFor(() => settingsOf(container, 'prompt'))).findByRole('textbox', { name: 'Template' });
    await user.click(template);
    await user.keyboard(' for {{{{audience}}');
    const handle = (port: string) => nodeElement(container, 'prompt').querySelector(`.react-flow__handle[data-handleid="${port}"]`);
    await waitFor(() => expect(handle('audience')).not.toBeNull());
    expect(handle('topic')).not.toBeNull();
    expect(node.getByText('audience')).toBeInTheDocument();
  });
});

describe('palette', () => {
  it('adds a node of the clicked type, and search narrows the list', async () => {
    const { user, container } = renderEditor();
    const palette = within(screen.getByRole('navigation', { name: 'Node palette' }));
    await user.type(palette.getByRole('searchbox', { name: 'Search nodes' }), 'json');
    expect(palette.queryByRole('button', { name: 'Add Text node' })).toBeNull();
    await user.click(palette.getByRole('button', { name: 'Add JSON node' }));
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(1));
    expect(container.querySelector('.gf-node__title')).toHaveTextContent('JSON');
  });
});

describe('validation before run', () => {
  it('disables Run with the reason and flags the node that has the issue', async () => {
    const client = createMemoryClient({ registry });
    const broken: Workflow = { nodes: chain.nodes, edges: [chain.edges[0]!] };
    const { container } = renderEditor({ initialWorkflow: broken, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeDisabled());
    expect(run).toHaveAccessibleDescription(/needs its "Value" input connected/);
    expect(within(nodeElement(container, 'show')).getByRole('img', { name: /1 issue/ })).toBeInTheDocument();
  });
});

describe('copy and paste', () => {
  it('copies selected nodes from one editor and pastes them into another', async () => {
    const { container } = renderEditor({ initialWorkflow: chain });
    const second = renderEditor({ initialWorkflow: { nodes: [], edges: [] } });
    const first = container.querySelector<HTMLElement>('.gf-editor')!;
    const other = second.container.querySelector<HTMLElement>('.gf-editor')!;
    await waitFor(() => expect(first.querySelectorAll('.gf-node')).toHaveLength(3));

    fireEvent.keyDown(first, { key: 'a', ctrlKey: true });
    const data = new Map<string, string>();
    const clipboardData = { setData: (type: string, value: string) => data.set(type, value), getData: (type: string) => data.get(type) ?? '' };
    fireEvent.copy(first, { clipboardData });
    expect(data.get('application/x-galaxyflow+json')).toContain('"template"');

    fireEvent.paste(other, { clipboardData });
    await waitFor(() => expect(other.querySelectorAll('.gf-node')).toHaveLength(3));
    expect(other.querySelectorAll('.react-flow__edge')).toHaveLength(2);
    // New ids: nothing from the first editor is reused.
    expect(other.querySelector('[data-testid="gf-node-topic"]')).toBeNull();
  });
});

describe('keyboard', () => {
  it('deletes the focused node with Delete and brings it back with Ctrl+Z, without touching the mouse again', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(3));
    // Keyboard only: focus the node, select it with Enter, delete it.
    nodeElement(container, 'show').closest<HTMLElement>('.react-flow__node')!.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(nodeElement(container, 'show').closest('.react-flow__node')).toHaveClass('selected'));
    await user.keyboard('{Delete}');
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(2));
    // The focused node is gone; the editor kept the focus, so the next shortcut reaches it.
    expect(container.querySelector('.gf-editor')!.contains(document.activeElement)).toBe(true);
    await user.keyboard('{Control>}z{/Control}');
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(3));
    expect(container.querySelectorAll('.react-flow__edge')).toHaveLength(2);
    await user.keyboard('{Control>}{Shift>}z{/Shift}{/Control}');
    await waitFor(() => expect(container.querySelectorAll('.gf-node')).toHaveLength(2));
  });
});

describe('save and conflicts', () => {
  function connected() {
    const client = createMemoryClient({
      registry,
      workflows: [{ id: 'wf', version: 1, workflow: chain }],
    });
    return client;
  }

  it('loads, marks edits unsaved, and saves with Ctrl+S against the loaded version', async () => {
    const client = connected();
    const onSave = vi.fn();
    const { user, container } = renderEditor({ client, workflowId: 'wf', onSave, draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
    await user.type(field, '!');
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();

    await user.keyboard('{Control>}s{/Control}');
    await waitFor(() => expect(screen.getByText('All changes saved')).toBeInTheDocument());
    expect(client.peek('wf')!.version).toBe(2);
    expect(client.peek('wf')!.workflow.nodes[0]!.data).toEqual({ text: 'Saturn!' });
    expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ version: 2 }));
  });

  it('shows a conflict when the server moved on, and overwrites only when asked', async () => {
    const client = connected();
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    client.saveElsewhere('wf', { ...chain, nodes: chain.nodes.map((n) => (n.id === 'topic' ? { ...n, data: { text: 'Theirs' } } : n)) });
    await user.type(field, ' (mine)');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    const dialog = await screen.findByRole('alertdialog', { name: 'This workflow was changed elsewhere' });
    expect(dialog).toHaveTextContent('version 2');
    expect(client.peek('wf')!.workflow.nodes[0]!.data).toEqual({ text: 'Theirs' });

    await user.click(within(dialog).getByRole('button', { name: 'Overwrite with mine' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(client.peek('wf')!.version).toBe(3);
    expect(client.peek('wf')!.workflow.nodes[0]!.data).toEqual({ text: 'Saturn (mine)' });
  });

  it('saves unsaved edits before running, so the run is of what is on the canvas', async () => {
    const client = connected();
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    await user.clear(field);
    await user.type(field, 'Mars');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Run succeeded');
    expect(within(nodeElement(container, 'show')).getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Mars');
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
    expect(client.peek('wf')!.version).toBe(2);
    const methods = client.calls.map((call) => call.method).filter((m) => m === 'saveWorkflow' || m === 'execute');
    expect(methods).toEqual(['saveWorkflow', 'execute']);
    expect(client.calls.find((call) => call.method === 'execute')!.args[0]).toEqual({ workflowId: 'wf' });
  });

  it('runs after a save already in flight (Ctrl+S, then Run at once), not nothing', async () => {
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }], latencyMs: 150 });
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    await user.clear(field);
    await user.type(field, 'Venus');
    await user.keyboard('{Control>}s{/Control}');
    expect(screen.getByText('Saving…')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });
    expect(within(nodeElement(container, 'show')).getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Venus');
    expect(client.calls.filter((call) => call.method === 'saveWorkflow')).toHaveLength(1);
  });

  it('runs nothing when saving the edits first meets a conflict', async () => {
    const client = connected();
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    client.saveElsewhere('wf', chain);
    await user.type(field, '!');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByRole('alertdialog', { name: 'This workflow was changed elsewhere' });
    expect(client.calls.some((call) => call.method === 'execute')).toBe(false);
  });

  it('reloads their version on request, keeping mine one undo away', async () => {
    const client = connected();
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    client.saveElsewhere('wf', { ...chain, nodes: chain.nodes.map((n) => (n.id === 'topic' ? { ...n, data: { text: 'Theirs' } } : n)) });
    await user.type(field, ' (mine)');
    await user.keyboard('{Control>}s{/Control}');
    await user.click(await screen.findByRole('button', { name: 'Reload their version' }));
    await waitFor(() => expect(field).toHaveValue('Theirs'));
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(field).toHaveValue('Saturn (mine)');
  });
});

describe('drafts', () => {
  it('offers to restore unsaved edits after the editor is closed and opened again', async () => {
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }] });
    const first = renderEditor({ client, workflowId: 'wf' });
    const field = await waitFor(() => within(settingsOf(first.container, 'topic')).getByRole('textbox', { name: 'Text' }));
    await first.user.type(field, ' rings');
    first.unmount(); // like closing the tab before saving

    const second = renderEditor({ client, workflowId: 'wf' });
    const prompt = await screen.findByRole('alert');
    expect(prompt).toHaveTextContent(/Unsaved changes from .* were found/);
    const reopened = within(settingsOf(second.container, 'topic')).getByRole('textbox', { name: 'Text' });
    expect(reopened).toHaveValue('Saturn');
    await second.user.click(within(prompt).getByRole('button', { name: 'Restore them' }));
    expect(reopened).toHaveValue('Saturn rings');
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
  });

  async function editedButNotYetWritten() {
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }] });
    const { container } = renderEditor({ client, workflowId: 'wf' });
    const field = await waitFor(() => within(settingsOf(container, 'topic')).getByRole('textbox', { name: 'Text' }));
    // One synchronous edit: the 500 ms draft timer cannot have fired when the page goes away.
    fireEvent.change(field, { target: { value: 'Saturn rings' } });
    expect(window.localStorage.getItem('galaxyflow:draft:wf')).toBeNull();
  }

  const draftText = () => {
    const draft = JSON.parse(window.localStorage.getItem('galaxyflow:draft:wf') ?? 'null') as { workflow: Workflow } | null;
    return draft?.workflow.nodes.find((node) => node.id === 'topic')?.data;
  };

  it('writes the pending draft at once when the tab closes or reloads (pagehide)', async () => {
    await editedButNotYetWritten();
    window.dispatchEvent(new Event('pagehide'));
    expect(draftText()).toEqual({ text: 'Saturn rings' });
  });

  it('writes the pending draft at once when the page is hidden (tab switched, app backgrounded)', async () => {
    await editedButNotYetWritten();
    document.dispatchEvent(new Event('visibilitychange'));
    expect(window.localStorage.getItem('galaxyflow:draft:wf')).toBeNull(); // still visible: no write yet
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
    } finally {
      // Back to jsdom's own getter on the prototype.
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
    expect(draftText()).toEqual({ text: 'Saturn rings' });
  });

  it('forgets the draft once saved', async () => {
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }] });
    const first = renderEditor({ client, workflowId: 'wf' });
    const field = await waitFor(() => within(settingsOf(first.container, 'topic')).getByRole('textbox', { name: 'Text' }));
    await first.user.type(field, '?');
    await first.user.keyboard('{Control>}s{/Control}');
    await waitFor(() => expect(screen.getByText('All changes saved')).toBeInTheDocument());
    first.unmount();
    renderEditor({ client, workflowId: 'wf' });
    await waitFor(() => expect(screen.getByText('All changes saved')).toBeInTheDocument());
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(screen.queryByText(/were found/)).toBeNull();
  });
});

/**
 * Records every whole (not compact) node card the page inserts from now on. Checked as they
 * arrive, so a test does not depend on how fast the machine renders: a whole node drawn even
 * once, then thrown away, is caught.
 */
function watchForWholeNodes() {
  const nodes: string[] = [];
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const added of record.addedNodes) {
        if (!(added instanceof HTMLElement)) continue;
        const cards = added.classList.contains('gf-node') ? [added] : [...added.querySelectorAll<HTMLElement>('.gf-node')];
        for (const card of cards) if (!card.classList.contains('gf-node--compact')) nodes.push(card.dataset.testid ?? '?');
      }
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
  return { nodes, stop: () => observer.disconnect() };
}

describe('zoom', () => {
  it('draws far-zoomed-out nodes as compact cards that keep their ports, and restores summaries on zoom in', async () => {
    const { user, container } = renderEditor({ initialWorkflow: chain });
    const node = () => within(nodeElement(container, 'topic'));
    await waitFor(() => node().getByText('Saturn'));
    for (let i = 0; i < 6; i++) await user.click(screen.getByRole('button', { name: 'Zoom Out' }));
    await waitFor(() => expect(node().queryByText('Saturn')).toBeNull());
    expect(nodeElement(container, 'topic')).toHaveClass('gf-node--compact');
    expect(nodeElement(container, 'topic').querySelector('.react-flow__handle[data-handleid="text"]')).not.toBeNull();
    for (let i = 0; i < 6; i++) await user.click(screen.getByRole('button', { name: 'Zoom In' }));
    await waitFor(() => node().getByText('Saturn'));
  });

  it('draws a large graph as compact cards from its first render, and a selected card whole', async () => {
    // A graph far wider than the pane: its fitted view is too far out to read a form.
    const workflow = largeWorkflow(60);
    const whole = watchForWholeNodes();
    try {
      const { user, container } = renderEditor({ initialWorkflow: workflow });
      await waitFor(() => expect(container.querySelectorAll('.gf-node--compact')).toHaveLength(60), { timeout: 20_000 });
      expect(whole.nodes).toEqual([]);
      // A card keeps its node's ports, so edges still meet them; its form is not drawn.
      const template = nodeElement(container, 'c0_tpl');
      expect(template.querySelectorAll('.react-flow__handle.target')).toHaveLength(2);
      expect(template.querySelectorAll('.react-flow__handle.source')).toHaveLength(1);
      expect(within(template).queryByRole('textbox')).toBeNull();
      expect(container.querySelectorAll('.react-flow__edge')).toHaveLength(workflow.edges.length);

      // Selected, a node is drawn whole, form included, however far out the view is.
      whole.stop();
      nodeElement(container, 'c0_text').closest<HTMLElement>('.react-flow__node')!.focus();
      await user.keyboard('{Enter}');
      const text = await screen.findByRole('textbox', { name: 'Text' }, { timeout: 10_000 });
      expect(text).toHaveValue('Chain 0');
      expect(nodeElement(container, 'c0_text')).not.toHaveClass('gf-node--compact');
      expect(within(nodeElement(container, 'c0_text')).getByText('Chain 0')).toBeInTheDocument();
      expect(nodeElement(container, 'c1_text')).toHaveClass('gf-node--compact');
    } finally {
      whole.stop();
    }
  });

  it('draws a large graph loaded from the server as compact cards from the moment it arrives', async () => {
    const client = createMemoryClient({ registry, workflows: [{ id: 'big', version: 1, workflow: largeWorkflow(60) }] });
    const whole = watchForWholeNodes();
    try {
      const { container } = renderEditor({ client, workflowId: 'big' });
      await waitFor(() => expect(container.querySelectorAll('.gf-node--compact')).toHaveLength(60), { timeout: 20_000 });
      expect(whole.nodes).toEqual([]);
    } finally {
      whole.stop();
    }
  });
});
