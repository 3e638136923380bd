import { useSyncExternalStore } from 'react';

/** The editor's colour scheme. `system` follows the operating system. */
export type EditorTheme = 'light' | 'dark' | 'system';

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  if (typeof window === 'undefined' || !window.matchMedia) return () => {};
  const media = window.matchMedia(QUERY);
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}

const prefersDark = () => typeof window !== 'undefined' && !!window.matchMedia?.(QUERY).matches;

/** `light` or `dark`; on the server `system` renders light and settles after hydration. */
export function useResolvedTheme(theme: EditorTheme): 'light' | 'dark' {
  const dark = useSyncExternalStore(subscribe, prefersDark, () => false);
  if (theme !== 'system') return theme;
  return dark ? 'dark' : 'light';
}
