import type { Workflow } from '@galaxyflow/engine';
import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { edgesWithComparison } from '../components/Canvas/comparison';
import { describeDiff, diffGraphs } from '../store/graphDiff';
import type { EditorEdge } from '../types';
import { chain, nodeElement, registry, renderEditor } from './kit';

/** Version 2 of `chain`: the Debug node removed, a Note added, the Text changed. */
const second: Workflow = {
  nodes: [
    {
      id: 'topic',
      type: 'text',
      position: { x: 0, y: 0 },
      data: { text: 'Jupiter', label: 'Topic' },
    },
    {
      id: 'prompt',
      type: 'template',
      position: { x: 300, y: 0 },
      data: { template: 'Facts about {{topic}}' },
    },
    {
      id: 'extra',
      type: 'text',
      position: { x: 0, y: 200 },
      data: { text: 'More', label: 'Extra' },
    },
  ],
  edges: [
    { id: 'e1', source: 'topic', sourceHandle: 'text', target: 'prompt', targetHandle: 'topic' },
  ],
};

function setup() {
  const client = createMemoryClient({
    registry,
    workflows: [{ id: 'w', version: 1, workflow: chain, updatedAt: 1_000 }],
  });
  client.saveAs('Ada', 'w', second);
  return client;
}

describe('graph diff', () => {
  it('tells added, removed, changed and moved nodes apart', () => {
    const moved: Workflow = {
      ...chain,
      nodes: chain.nodes.map((n) => (n.id === 'show' ? { ...n, position: { x: 9, y: 9 } } : n)),
    };
    expect(diffGraphs(chain, moved)).toMatchObject({
      added: [],
      removed: [],
      changed: [],
      moved: ['show'],
    });
    const diff = diffGraphs(chain, second);
    expect(diff).toMatchObject({
      added: ['extra'],
      removed: ['show'],
      changed: ['topic', 'prompt'],
      edgesRemoved: 1,
    });
    expect(describeDiff(diff)).toBe('1 node added, 1 removed, 2 changed');
    expect(describeDiff(diffGraphs(chain, moved))).toBe('1 node moved');
  });

  it('marks the connections made since the compared version', () => {
    const marked = edgesWithComparison(chain.edges as EditorEdge[], {
      version: 2,
      workflow: second,
    });
    expect(marked.map((edge) => [edge.id, edge.className ?? ''])).toEqual([
      ['e1', ''],
      ['e2', 'gf-diff-edge--added'],
    ]);
  });
});

describe('Versions panel', () => {
  it('lists who saved each version, when, and what it changed', async () => {
    const { user } = renderEditor({ client: setup(), workflowId: 'w', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'Versions' }));
    const panel = screen.getByRole('complementary', { name: 'Versions' });
    const rows = await within(panel).findAllByRole('listitem');
    expect(rows.map((row) => row.querySelector('strong')?.textContent)).toEqual([
      'Version 2',
      'Version 1',
    ]);
    expect(rows[0]).toHaveTextContent('current');
    expect(rows[0]).toHaveTextContent('Ada ·');
    await waitFor(() => expect(rows[0]).toHaveTextContent('1 node added, 1 removed, 2 changed'));
    expect(rows[0]).toHaveTextContent('Added: Extra');
    expect(rows[0]).toHaveTextContent('Removed: debug');
    expect(rows[0]).toHaveTextContent('Changed: Topic, template');
    await waitFor(() => expect(rows[1]).toHaveTextContent('Created with 3 nodes'));
    expect(within(rows[0]!).queryByRole('button', { name: /^Restore/ })).toBeNull();
  });

  it('highlights on the canvas what changed since the compared version, with the removed nodes dashed', async () => {
    const { user, container } = renderEditor({ client: setup(), workflowId: 'w', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'Versions' }));
    await user.click(
      await screen.findByRole('button', { name: 'Compare the canvas with version 1' }),
    );
    await waitFor(() => expect(container.querySelector('.gf-removed-node')).not.toBeNull());
    expect(container.querySelector('.gf-removed-node')).toHaveTextContent(
      'debugRemoved since this version',
    );
    const wrapper = (id: string) => nodeElement(container, id).closest('.react-flow__node');
    expect(wrapper('extra')).toHaveClass('gf-diff--added');
    expect(wrapper('topic')).toHaveClass('gf-diff--changed');
    // Version 2 kept Topic → Template and dropped Template → Debug: no connection is new since.
    expect(container.querySelectorAll('.react-flow__edge.gf-diff-edge--added')).toHaveLength(0);
    expect(
      within(screen.getByRole('complementary', { name: 'Versions' })).getByRole('status'),
    ).toHaveTextContent('Canvas compared with version 1');
    // Closing the panel ends the comparison.
    await user.click(screen.getByRole('button', { name: 'Close Versions' }));
    await waitFor(() => expect(container.querySelector('.gf-removed-node')).toBeNull());
    expect(wrapper('extra')).not.toHaveClass('gf-diff--added');
  });

  it('restores a version as a new one on the server, and Undo puts the canvas back', async () => {
    const client = setup();
    const { user, container } = renderEditor({ client, workflowId: 'w', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'Versions' }));
    await user.click(await screen.findByRole('button', { name: 'Restore version 1' }));
    await waitFor(() => expect(client.peek('w')?.version).toBe(3));
    expect(client.peek('w')?.workflow.nodes.map((n) => n.id)).toEqual(['topic', 'prompt', 'show']);
    await waitFor(() => expect(nodeElement(container, 'show')).toBeInTheDocument());
    expect(container.querySelector('[data-testid="gf-node-extra"]')).toBeNull();
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
    const panel = screen.getByRole('complementary', { name: 'Versions' });
    await waitFor(() =>
      expect(within(panel).getAllByRole('listitem')[0]).toHaveTextContent(
        'Version 3currentrestored from 1',
      ),
    );

    await act(async () => {
      await user.click(screen.getByRole('button', { name: 'Undo' }));
    });
    await waitFor(() => expect(nodeElement(container, 'extra')).toBeInTheDocument());
    expect(container.querySelector('[data-testid="gf-node-show"]')).toBeNull();
    // The server keeps the restore; the canvas holds version 2's graph as unsaved changes.
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
    expect(client.peek('w')?.version).toBe(3);
  });

  it('says so when someone saved in the meantime, and restores nothing', async () => {
    const client = setup();
    const { user } = renderEditor({ client, workflowId: 'w', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'Versions' }));
    const restore = await screen.findByRole('button', { name: 'Restore version 1' });
    client.saveAs('Grace', 'w', chain);
    await user.click(restore);
    await waitFor(() => expect(screen.getByRole('alertdialog')).toBeInTheDocument());
    expect(client.peek('w')?.version).toBe(3);
  });
});
