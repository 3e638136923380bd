import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Server-rendering tests run without a DOM (`@vitest-environment node`): no stand-ins there.
if (typeof window !== 'undefined') installDomStandIns();

function installDomStandIns(): void {
  /*
   * React Flow measures the DOM; jsdom has no layout. Without these stand-ins nodes stay
   * `visibility: hidden` and handles have no bounds.
   */
  class ResizeObserverStub {
    private readonly callback: ResizeObserverCallback;
    private pending: Element[] = [];
    constructor(callback: ResizeObserverCallback) {
      this.callback = callback;
    }
    observe(target: Element): void {
      // Asynchronous like the real one (React Flow expects the first report after mount), and
      // like it, one report for everything observed since the last: React Flow fits the view
      // to the nodes of the first report.
      this.pending.push(target);
      if (this.pending.length > 1) return;
      setTimeout(() => {
        const targets = this.pending;
        this.pending = [];
        this.callback(
          targets.map((element) => ({ target: element, contentRect: element.getBoundingClientRect() }) as unknown as ResizeObserverEntry),
          this as unknown as ResizeObserver,
        );
      });
    }
    unobserve(): void {}
    disconnect(): void {}
  }

  class DOMMatrixReadOnlyStub {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([0-9.]+)\)/)?.[1];
      this.m22 = scale === undefined ? 1 : Number(scale);
    }
  }

  Object.assign(globalThis, {
    ResizeObserver: ResizeObserverStub,
    DOMMatrixReadOnly: DOMMatrixReadOnlyStub,
  });

  // The canvas gets a laptop-sized pane, so fitting a workflow into view lands at a zoom where
  // nodes show their forms; everything else measures 1px unless it has an inline size.
  const PANE_CLASSES = ['react-flow', 'react-flow__renderer', 'react-flow__pane'];
  const isPane = (element: HTMLElement) => PANE_CLASSES.some((name) => element.classList.contains(name));
  const pixels = (value: string) => (value.endsWith('px') ? Number.parseFloat(value) : 0);
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: {
      configurable: true,
      get(this: HTMLElement) {
        return pixels(this.style.height) || (isPane(this) ? 700 : 1);
      },
    },
    offsetWidth: {
      configurable: true,
      get(this: HTMLElement) {
        return pixels(this.style.width) || (isPane(this) ? 1000 : 1);
      },
    },
  });

  (SVGElement.prototype as unknown as { getBBox: () => DOMRect }).getBBox = () =>
    ({ x: 0, y: 0, width: 0, height: 0 }) as DOMRect;

  if (!window.matchMedia) {
    window.matchMedia = (query: string) =>
      ({
        matches: false,
        media: query,
        onchange: null,
        addEventListener: () => {},
        removeEventListener: () => {},
        addListener: () => {},
        removeListener: () => {},
        dispatchEvent: () => false,
      }) as MediaQueryList;
  }
}

// Two shared cores run every package's tests at once: give UI waits room.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  if (typeof window === 'undefined') return;
  cleanup();
  window.localStorage.clear();
});
