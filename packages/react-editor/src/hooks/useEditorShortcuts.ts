import { useReactFlow } from '@xyflow/react';
import { type ClipboardEvent, type KeyboardEvent, useMemo } from 'react';
import { CLIPBOARD_MIME, type ClipboardPayload, pageClipboard, parsePayload } from '../store/clipboard';
import { useEditorContext } from './useEditorContext';

/** One keyboard shortcut, as the help panel lists it. */
export interface ShortcutDescription {
  keys: string;
  action: string;
}

/** Every shortcut of the editor, for the help panel. */
export const shortcuts: readonly ShortcutDescription[] = [
  { keys: 'Mod+S', action: 'Save' },
  { keys: 'Mod+Z', action: 'Undo' },
  { keys: 'Mod+Shift+Z / Mod+Y', action: 'Redo' },
  { keys: 'Mod+C / Mod+X / Mod+V', action: 'Copy / cut / paste nodes (also between editors)' },
  { keys: 'Mod+D', action: 'Duplicate the selection' },
  { keys: 'Mod+A', action: 'Select all' },
  { keys: 'Delete / Backspace', action: 'Delete the selection' },
  { keys: 'Shift+drag', action: 'Box select' },
  { keys: 'Mod+click', action: 'Add to the selection' },
  { keys: 'Arrow keys', action: 'Move the selected nodes' },
  { keys: 'Mod+Enter', action: 'Run the workflow' },
  { keys: 'Shift+1', action: 'Fit the view' },
  { keys: 'Shift+F10 / Menu key', action: 'Actions of the focused node or the canvas (also right-click)' },
  { keys: '?', action: 'Show this help' },
  { keys: 'Escape', action: 'Clear the selection, close a panel or the settings' },
];

function isTextTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || target.isContentEditable) return true;
  if (tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return type !== 'checkbox' && type !== 'radio' && type !== 'button';
}

function hasTextSelection(): boolean {
  const selection = typeof window === 'undefined' ? null : window.getSelection();
  return !!selection && !selection.isCollapsed && selection.toString().length > 0;
}

/**
 * Keyboard and clipboard handlers for an editor's root element. Bound to the element, not
 * the window, so two editors on one page each answer only when focused.
 */
export function useEditorShortcuts() {
  const { store, controller } = useEditorContext();
  const flow = useReactFlow();
  return useMemo(() => {
    const actions = () => store.getState().actions;

    const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
      const mod = event.metaKey || event.ctrlKey;
      const key = event.key.toLowerCase();
      const inText = isTextTarget(event.target);
      // Delete, cut, undo and redo can remove the focused node; the browser would then drop
      // the focus to <body>, outside this element, and the next shortcut would go nowhere.
      // The root holds the focus instead (it is focusable but not a tab stop).
      if (!inText && (event.key === 'Delete' || event.key === 'Backspace' || (mod && /^[xyz]$/.test(key)))) {
        event.currentTarget.focus({ preventScroll: true });
      }
      if (mod && key === 's') {
        event.preventDefault();
        void controller.save();
        return;
      }
      if (mod && key === 'z') {
        // In a field too: a typing burst is one step of the editor's history, not the field's.
        event.preventDefault();
        if (event.shiftKey) actions().redo();
        else actions().undo();
        return;
      }
      if (mod && key === 'y') {
        event.preventDefault();
        actions().redo();
        return;
      }
      if (mod && key === 'enter') {
        event.preventDefault();
        void controller.run();
        return;
      }
      // Escape anywhere in the inspector closes it, and the keyboard stays with the editor.
      if (event.key === 'Escape' && (event.target as HTMLElement).closest('.gf-inspector')) {
        event.currentTarget.focus({ preventScroll: true });
        actions().clearSelection();
        return;
      }
      if (inText) {
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      if (mod && key === 'a') {
        event.preventDefault();
        actions().selectAll();
      } else if (mod && key === 'd') {
        event.preventDefault();
        actions().duplicateSelection();
      } else if (!mod && (event.key === 'Delete' || event.key === 'Backspace')) {
        event.preventDefault();
        actions().deleteSelection();
      } else if (event.key === '?') {
        event.preventDefault();
        actions().openPanel(store.getState().panel === 'help' ? null : 'help');
      } else if (event.key === '!' && event.shiftKey) {
        event.preventDefault();
        void flow.fitView({ padding: 0.15, duration: 200 });
      } else if (event.key === 'Escape') {
        if (store.getState().panel) actions().openPanel(null);
        else actions().clearSelection();
      }
    };

    const write = (event: ClipboardEvent, payload: ClipboardPayload) => {
      const text = JSON.stringify(payload);
      pageClipboard.payload = payload;
      try {
        event.clipboardData.setData(CLIPBOARD_MIME, text);
        event.clipboardData.setData('text/plain', text);
        event.preventDefault();
      } catch {
        // No clipboard access: the page buffer still serves pastes in this page.
      }
    };

    const onCopy = (event: ClipboardEvent) => {
      if (isTextTarget(event.target) || hasTextSelection()) return;
      const payload = actions().copySelection();
      if (payload) write(event, payload);
    };

    const onCut = (event: ClipboardEvent) => {
      if (isTextTarget(event.target) || hasTextSelection() || store.getState().readOnly) return;
      const payload = actions().cutSelection();
      if (payload) write(event, payload);
    };

    const onPaste = (event: ClipboardEvent) => {
      if (isTextTarget(event.target)) return;
      const data = event.clipboardData;
      const payload =
        parsePayload(data?.getData(CLIPBOARD_MIME)) ?? parsePayload(data?.getData('text/plain')) ?? pageClipboard.payload;
      if (!payload) return;
      event.preventDefault();
      actions().paste(payload);
    };

    return { onKeyDown, onCopy, onCut, onPaste };
  }, [store, controller, flow]);
}
