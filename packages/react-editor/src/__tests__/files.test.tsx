import type { Workflow } from '@galaxyflow/engine';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryClient } from '../client/createMemoryClient';
import { nodeElement, registry, renderEditor } from './kit';

// jsdom has no object URLs; the editor turns stored files into them for <img>.
const realCreate = URL.createObjectURL;
const realRevoke = URL.revokeObjectURL;
let urls = 0;
beforeAll(() => {
  URL.createObjectURL = () => `blob:test/${++urls}`;
  URL.revokeObjectURL = () => {};
});
afterAll(() => {
  URL.createObjectURL = realCreate;
  URL.revokeObjectURL = realRevoke;
});

/** The first bytes of a PNG are what the client judges; the rest is filler. */
function pngFile(name = 'moon.png'): File {
  const bytes = new Uint8Array(64);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new File([bytes], name, { type: 'image/png' });
}

function dropFiles(container: HTMLElement, files: File[]) {
  const pane =
    container.querySelector('.react-flow__pane') ?? container.querySelector('.gf-canvas');
  if (!pane) throw new Error('No canvas pane.');
  const dataTransfer = { files, types: ['Files'], getData: () => '', dropEffect: 'none' };
  fireEvent.dragOver(pane, { dataTransfer, clientX: 300, clientY: 200 });
  fireEvent.drop(pane, { dataTransfer, clientX: 300, clientY: 200 });
}

const imageNodes = (container: HTMLElement) =>
  [...container.querySelectorAll<HTMLElement>('[data-testid^="gf-node-"]')].filter((el) =>
    within(el).queryByText('Image', { selector: '.gf-node__title' }),
  );

describe('images dropped on the canvas', () => {
  it('makes an Image node that shows the upload, then the stored picture, and can remove it', async () => {
    const client = createMemoryClient({ registry, latencyMs: 200 });
    const { container, user } = renderEditor({ client });
    dropFiles(container, [pngFile()]);

    const bar = await screen.findByRole('progressbar', { name: 'Uploading moon.png' });
    expect(bar).toBeInTheDocument();
    const thumbnail = await screen.findByRole(
      'img',
      { name: 'Uploaded image' },
      { timeout: 3_000 },
    );
    expect(thumbnail.getAttribute('src')).toMatch(/^blob:/);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(imageNodes(container)).toHaveLength(1);
    expect(
      client.calls.map((call) => call.method).filter((method) => method.startsWith('files.')),
    ).toEqual(['files.upload', 'files.content']);

    // Full size, then closed again.
    await user.click(screen.getByRole('button', { name: 'Uploaded image' }));
    const dialog = screen.getByRole('dialog', { name: 'Uploaded image, full size' });
    expect(within(dialog).getByRole('img')).toHaveAttribute('src', thumbnail.getAttribute('src'));
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(screen.queryByRole('img', { name: 'Uploaded image' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Upload image' })).toBeInTheDocument();
  });

  it('shows the refusal on the node and in a notice when the file is not an image', async () => {
    const client = createMemoryClient({ registry });
    const { container } = renderEditor({ client });
    const fake = new File(['<svg onload="alert(1)"/>'], 'fake.png', { type: 'image/png' });
    dropFiles(container, [fake]);

    const alert = await screen.findByText(
      /fake\.png was not uploaded: Only PNG, JPEG, WebP and GIF images can be uploaded\./,
    );
    expect(alert).toHaveAttribute('role', 'alert');
    expect(
      screen.getByText(
        'The image was not uploaded: Only PNG, JPEG, WebP and GIF images can be uploaded.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('img', { name: 'Uploaded image' })).toBeNull();
  });

  it('says the host takes no files when its client has none, and adds no node', async () => {
    const { files: _files, ...withoutFiles } = createMemoryClient({ registry });
    const { container } = renderEditor({ client: withoutFiles });
    dropFiles(container, [pngFile()]);
    expect(
      await screen.findByText(
        'This editor’s host takes no files: add an Image node and link the image by URL instead.',
      ),
    ).toBeInTheDocument();
    expect(imageNodes(container)).toHaveLength(0);
  });
});

describe('stored images in outputs', () => {
  it('shows a galaxy-file output as a thumbnail that opens full size', async () => {
    const client = createMemoryClient({ registry });
    const stored = await client.files.upload(pngFile('sky.png'));
    const workflow: Workflow = {
      nodes: [{ id: 'pic', type: 'image', position: { x: 0, y: 0 }, data: { fileId: stored.id } }],
      edges: [],
    };
    const { container, user } = renderEditor({ client, initialWorkflow: workflow });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });

    const output = within(nodeElement(container, 'pic')).getByRole('region', { name: 'Output' });
    const image = await within(output).findByRole('img', { name: 'Output image' });
    expect(image.getAttribute('src')).toMatch(/^blob:/);
    expect(output).not.toHaveTextContent('galaxy-file:');
    await user.click(within(output).getByRole('button', { name: 'Output image' }));
    expect(screen.getByRole('dialog', { name: 'Output image, full size' })).toBeInTheDocument();
  });
});
