import type { MouseEvent, PointerEvent } from 'react';

/** The empty pane under the nodes: a press there with the main button pans the view. */
function pressesPane(event: MouseEvent | PointerEvent): event is (MouseEvent | PointerEvent) & { target: HTMLElement } {
  return event.button === 0 && event.target instanceof HTMLElement && event.target.classList.contains('react-flow__pane');
}

/**
 * A mouse pan holds the pointer on the pane until it is let go. Without that, every move of the
 * pan makes the browser find the element under the pointer, through the layers of every node on
 * the canvas: at 1,000 nodes that search was a third of the main thread's time while panning.
 */
export function holdPanPointer(event: PointerEvent): void {
  if (event.pointerType !== 'mouse' || !pressesPane(event)) return;
  // Optional: jsdom and older engines have no pointer capture.
  event.target.setPointerCapture?.(event.pointerId);
}

/**
 * A press on the pane starts no text selection: the browser would otherwise hit test the page on
 * every move of the pan to extend one. Focus still moves as the press would have moved it: to
 * the nearest focusable element around the pane, or away from whatever had it.
 */
export function pressPaneWithoutSelecting(event: MouseEvent): void {
  if (!pressesPane(event)) return;
  event.preventDefault();
  const host = event.target.closest<HTMLElement>('[tabindex]');
  if (host) host.focus({ preventScroll: true });
  else {
    const focused = event.target.ownerDocument.activeElement;
    if (focused instanceof HTMLElement) focused.blur();
  }
}
