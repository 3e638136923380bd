import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { chain, nodeElement, renderEditor } from './kit';

function handle(container: HTMLElement, nodeId: string, port: string): HTMLElement {
  const element = nodeElement(container, nodeId).querySelector<HTMLElement>(`.react-flow__handle[data-handleid="${port}"]`);
  if (!element) throw new Error(`No handle "${port}" on node "${nodeId}".`);
  return element;
}

/** The canvas's pan and zoom, read from the viewport's transform as React Flow writes it. */
function viewport(container: HTMLElement): { x: number; y: number; zoom: number } {
  const transform = container.querySelector<HTMLElement>('.react-flow__viewport')!.style.transform;
  const match = /translate\(([-\d.]+)px, ?([-\d.]+)px\) scale\(([\d.]+)\)/.exec(transform);
  if (!match) throw new Error(`Unexpected viewport transform "${transform}".`);
  return { x: Number(match[1]), y: Number(match[2]), zoom: Number(match[3]) };
}

afterEach(() => {
  // Back to jsdom's own (unimplemented) hit testing.
  delete (document as { elementFromPoint?: unknown }).elementFromPoint;
});

describe('a refused connection says why', () => {
  it('names the reason while the edge hovers over the port, and again when it is dropped there', async () => {
    const { container } = renderEditor({ initialWorkflow: chain });
    await waitFor(() => expect(container.querySelectorAll('.react-flow__edge')).toHaveLength(2));
    const from = handle(container, 'topic', 'text');
    // "Value" of Debug already takes Template's output and accepts only one connection.
    const to = handle(container, 'show', 'value');

    // jsdom has no layout: the pointer is put on the target node's position on screen, and the
    // element under it is the target handle, as the browser would report it.
    const { x, y, zoom } = viewport(container);
    const over = { clientX: x + 600 * zoom, clientY: y + 0 * zoom };
    Object.defineProperty(document, 'elementFromPoint', { configurable: true, value: () => to });
    fireEvent.mouseDown(from, { button: 0, clientX: x, clientY: y });
    fireEvent.mouseMove(document, over);

    const hint = await screen.findByText(/^Can’t connect:/, { selector: '.gf-connection-hint' });
    expect(hint).toHaveTextContent('Can’t connect: Input "Value" takes one connection and already has one.');
    expect(hint).toHaveAttribute('role', 'status');

    fireEvent.mouseUp(document, over);
    await waitFor(() => expect(container.querySelector('.gf-connection-hint')).toBeNull());
    const toast = within(container.querySelector<HTMLElement>('.gf-toast-region')!);
    expect(toast.getByText('Can’t connect: Input "Value" takes one connection and already has one.')).toBeInTheDocument();
    // Nothing was added.
    await act(() => Promise.resolve());
    expect(container.querySelectorAll('.react-flow__edge')).toHaveLength(2);
  });
});
