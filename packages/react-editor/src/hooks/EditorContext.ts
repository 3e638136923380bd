import { createContext } from 'react';
import type { EditorController } from '../store/createEditorController';
import type { EditorStore } from '../store/createEditorStore';

/** What a `WorkflowEditorProvider` hands to everything inside it. */
export interface EditorContextValue {
  store: EditorStore;
  controller: EditorController;
}

export const EditorContext = createContext<EditorContextValue | null>(null);
