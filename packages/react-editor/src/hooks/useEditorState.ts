import { useStore } from 'zustand';
import type { EditorState } from '../store/createEditorStore';
import { useEditorContext } from './useEditorContext';

/** Reads part of the editor state and re-renders when that part changes. */
export function useEditorState<T>(selector: (state: EditorState) => T): T {
  return useStore(useEditorContext().store, selector);
}
