import { type RefObject, useEffect } from 'react';
import type { EditorStore } from '../store/createEditorStore';

/** Below this width (px) the editor lays itself out for a phone. */
export const NARROW_WIDTH = 640;

/**
 * Follows the width of the editor's root element (not the window: an editor may sit in a
 * narrow column of a wide page) and sets the store's `layout` to `narrow` or `wide`.
 */
export function useNarrow(root: RefObject<HTMLElement | null>, store: EditorStore): void {
  useEffect(() => {
    const element = root.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const apply = (width: number) => {
      // A width of 0 is an editor not laid out yet (hidden, or a test page): nothing to decide.
      if (width <= 0) return;
      const layout = width < NARROW_WIDTH ? 'narrow' : 'wide';
      if (store.getState().layout !== layout) store.getState().actions.patch({ layout });
    };
    apply(element.getBoundingClientRect().width);
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) apply(entry.contentRect.width);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [root, store]);
}
