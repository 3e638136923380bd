import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { chain, nodeElement, renderEditor } from './kit';

/** The rectangles a minimap path draws: one `M` per node. */
function rectangles(path: Element | null): number {
  return path?.getAttribute('d')?.match(/M/g)?.length ?? 0;
}

function viewport(container: HTMLElement): string {
  return container.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '';
}

describe('minimap', () => {
  it('draws every node, the selected one in its own colour, under an accessible name', async () => {
    const { container } = renderEditor({ initialWorkflow: chain });
    const map = await screen.findByRole('img', { name: 'Minimap of the workflow' });
    await waitFor(() => expect(rectangles(map.querySelector('.gf-minimap__nodes'))).toBe(3));
    expect(map.querySelector('.gf-minimap__nodes--selected')).toBeNull();

    fireEvent.click(nodeElement(container, 'prompt').closest('.react-flow__node')!);
    await waitFor(() =>
      expect(rectangles(map.querySelector('.gf-minimap__nodes--selected'))).toBe(1),
    );
    expect(
      rectangles(map.querySelector('.gf-minimap__nodes:not(.gf-minimap__nodes--selected)')),
    ).toBe(2);
  });

  it('moves the view when dragged and zooms it when scrolled', async () => {
    const { container } = renderEditor({ initialWorkflow: chain });
    const map = await screen.findByRole('img', { name: 'Minimap of the workflow' });
    await waitFor(() => expect(rectangles(map.querySelector('.gf-minimap__nodes'))).toBe(3));
    await waitFor(() => expect(viewport(container)).toMatch(/scale/));

    const before = viewport(container);
    fireEvent.pointerDown(map, { button: 0, pointerId: 1, clientX: 100, clientY: 70 });
    fireEvent.pointerMove(map, { pointerId: 1, clientX: 140, clientY: 90 });
    fireEvent.pointerUp(map, { pointerId: 1, clientX: 140, clientY: 90 });
    await waitFor(() => expect(viewport(container)).not.toBe(before));
    const panned = viewport(container);
    const scaleOf = (transform: string) => Number(transform.match(/scale\(([0-9.]+)\)/)?.[1]);
    expect(scaleOf(panned)).toBe(scaleOf(before));

    fireEvent.wheel(map, { deltaY: -200 });
    await waitFor(() => expect(scaleOf(viewport(container))).toBeGreaterThan(scaleOf(panned)));
  });
});
