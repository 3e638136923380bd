import { act } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chain, renderEditor } from './kit';

/** A `prefers-color-scheme` the test can flip, with the listeners a real one calls. */
function fakeColorScheme(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    get matches() {
      return dark;
    },
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
  };
  vi.stubGlobal('matchMedia', (query: string) =>
    query.includes('prefers-color-scheme: dark')
      ? media
      : { matches: false, addEventListener() {}, removeEventListener() {} },
  );
  return {
    set(next: boolean) {
      dark = next;
      for (const listener of listeners) listener();
    },
  };
}

describe('the theme prop', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('light and dark are what they say, whatever the system prefers', () => {
    fakeColorScheme(true);
    const { container, unmount } = renderEditor({ initialWorkflow: chain, theme: 'light' });
    expect(container.querySelector('.gf-editor')).toHaveAttribute('data-theme', 'light');
    unmount();
    const dark = renderEditor({ initialWorkflow: chain, theme: 'dark' });
    expect(dark.container.querySelector('.gf-editor')).toHaveAttribute('data-theme', 'dark');
  });

  it('system follows prefers-color-scheme live, canvas included', () => {
    const scheme = fakeColorScheme(false);
    const { container } = renderEditor({ initialWorkflow: chain, theme: 'system' });
    const root = container.querySelector('.gf-editor')!;
    expect(root).toHaveAttribute('data-theme', 'light');
    act(() => scheme.set(true));
    expect(root).toHaveAttribute('data-theme', 'dark');
    expect(container.querySelector('.react-flow')).toHaveClass('dark');
    act(() => scheme.set(false));
    expect(root).toHaveAttribute('data-theme', 'light');
  });
});
