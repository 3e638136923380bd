import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';

// Server rendering has no layout to measure; a layout effect there only warns.
const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/** Whether an element's content runs past its box, where `overflow: hidden` cuts it off. */
export function isClipped(element: Element): boolean {
  // One pixel of slack: fractional line heights round either way.
  return element.scrollHeight > element.clientHeight + 1;
}

/**
 * Follows whether the element matching `selector` inside `container` cuts its content off.
 * A ResizeObserver measures it when it first shows and whenever its box changes, so a stream
 * that grows past the clip, or an image that loads, is caught without measuring on every
 * render. The element may be replaced (a stream becoming a result): the new one is observed.
 * While `active` is false (the content shown whole) the last answer is kept, so a toggle that
 * depends on it does not vanish the moment it is used.
 */
export function useClipped(
  container: RefObject<HTMLElement | null>,
  selector: string,
  active: boolean,
): boolean {
  const [clipped, setClipped] = useState(false);
  const watching = useRef<{ element: Element; observer: ResizeObserver } | null>(null);
  const activeNow = useRef(active);
  activeNow.current = active;

  useIsomorphicLayoutEffect(() => {
    const element = container.current?.querySelector(selector) ?? null;
    if (watching.current?.element === element) return;
    watching.current?.observer.disconnect();
    watching.current = null;
    if (!element || typeof ResizeObserver === 'undefined') {
      setClipped(false);
      return;
    }
    const observer = new ResizeObserver(() => {
      if (activeNow.current) setClipped(isClipped(element));
    });
    observer.observe(element);
    watching.current = { element, observer };
  });

  useEffect(
    () => () => {
      watching.current?.observer.disconnect();
      watching.current = null;
    },
    [],
  );
  return clipped;
}
