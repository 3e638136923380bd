import type { EditorTheme } from '@galaxyflow/react-editor';

const THEME_KEY = 'galaxyflow.theme';

/** The theme the person chose at this browser; `system` until they choose. */
export function readTheme(storage: Storage = window.localStorage): EditorTheme {
  const value = storage.getItem(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/**
 * Remembers the choice and applies it to the page around the editor: `data-theme` on the root
 * element (the app's colours key on it; without it they follow the system, as the editor does).
 */
export function applyTheme(theme: EditorTheme, storage: Storage = window.localStorage): void {
  if (theme === 'system') {
    storage.removeItem(THEME_KEY);
    delete document.documentElement.dataset.theme;
  } else {
    storage.setItem(THEME_KEY, theme);
    document.documentElement.dataset.theme = theme;
  }
}
