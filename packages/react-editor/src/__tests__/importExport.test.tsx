import type { Workflow } from '@galaxyflow/engine';
import { screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chain, renderEditor } from './kit';

/** What the Export button hands the browser to download, captured instead of saved. */
interface Download {
  name: string;
  blob: Blob;
}

let downloads: Download[];
beforeEach(() => {
  downloads = [];
  const blobs = new Map<string, Blob>();
  // jsdom has neither object URLs nor downloads: record what would be saved.
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob as Blob);
    return url;
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, blob: blobs.get(this.href)! });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function nodeIds(container: HTMLElement): (string | null)[] {
  return [...container.querySelectorAll('[data-testid^="gf-node-"]')].map((el) => el.getAttribute('data-testid'));
}

const CHAIN_IDS = ['gf-node-topic', 'gf-node-prompt', 'gf-node-show'];

describe('JSON import and export', () => {
  it('exports the workflow as a file that imports back to the same workflow', async () => {
    const onChange = vi.fn<(workflow: Workflow) => void>();
    const { user, container } = renderEditor({ initialWorkflow: chain, onChange });
    await waitFor(() => expect(nodeIds(container)).toEqual(CHAIN_IDS));

    await user.click(screen.getByRole('button', { name: 'Export' }));
    expect(downloads).toHaveLength(1);
    const [download] = downloads;
    expect(download!.name).toBe('workflow.json');
    expect(download!.blob.type).toBe('application/json');
    const text = await download!.blob.text();
    expect(JSON.parse(text)).toEqual(chain);

    // Change the canvas, then bring the exported file back.
    await user.click(screen.getByRole('button', { name: 'Add Debug node' }));
    await waitFor(() => expect(nodeIds(container)).toHaveLength(4));
    await user.upload(screen.getByLabelText('Import a workflow file'), new File([text], 'workflow.json', { type: 'application/json' }));
    await waitFor(() => expect(nodeIds(container)).toEqual(CHAIN_IDS));
    expect(onChange.mock.lastCall![0]).toEqual(chain);
    expect(screen.getByRole('status')).toHaveTextContent('Imported 3 nodes.');

    // The import is one undo step: the canvas before it comes back whole.
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(nodeIds(container)).toHaveLength(4));
  });

  it.each([
    ['not JSON', '{ "nodes": [', 'The file is not JSON'],
    ['JSON but not a workflow', JSON.stringify({ nodes: [{ id: 'x' }], edges: [] }), 'The file is not a workflow: nodes.0'],
  ])('refuses a file that is %s with a visible error, and changes nothing', async (_kind, content, message) => {
    const onChange = vi.fn<(workflow: Workflow) => void>();
    const { user, container } = renderEditor({ initialWorkflow: chain, onChange });
    await waitFor(() => expect(nodeIds(container)).toEqual(CHAIN_IDS));
    const undo = screen.getByRole('button', { name: 'Undo' });
    expect(undo).toBeDisabled();

    await user.upload(screen.getByLabelText('Import a workflow file'), new File([content], 'broken.json', { type: 'application/json' }));
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent(message));
    expect(container.querySelector('.gf-toast--error')).toHaveTextContent(message);
    expect(nodeIds(container)).toEqual(CHAIN_IDS);
    expect(onChange).not.toHaveBeenCalled();
    expect(undo).toBeDisabled();
  });
});
