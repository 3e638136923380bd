import { useMemo } from 'react';
import type { Workflow } from '@galaxyflow/engine';
import { toWorkflow } from '../store/convert';
import type { EditorController } from '../store/createEditorController';
import type { EditorActions, EditorState, EditorStore } from '../store/createEditorStore';
import { sameDocument } from '../store/documentEquality';
import { useEditorContext } from './useEditorContext';
import { useEditorState } from './useEditorState';

/** The headless editor: its state, what it can do, and the store for custom selectors. */
export interface WorkflowEditorApi {
  /** The store, for `useStore(store, selector)` or imperative reads. */
  store: EditorStore;
  /** Document edits: add, connect, delete, paste, undo, ... */
  actions: EditorActions;
  /** Side effects: save, run, load, import/export. */
  controller: EditorController;
  /** The workflow as it would be saved now. */
  getWorkflow(): Workflow;
  /** Whether the document differs from the last save. */
  dirty: boolean;
  saveStatus: EditorState['saveStatus'];
  readOnly: boolean;
}

/** Whether the document differs from what was last saved or loaded. */
export const selectDirty = (state: EditorState): boolean => !sameDocument(state.savedDocument, state);

/**
 * The editor around the calling component, for hosts that build their own chrome:
 * `const { actions, controller, dirty } = useWorkflowEditor()`.
 */
export function useWorkflowEditor(): WorkflowEditorApi {
  const { store, controller } = useEditorContext();
  const dirty = useEditorState(selectDirty);
  const saveStatus = useEditorState((state) => state.saveStatus);
  const readOnly = useEditorState((state) => state.readOnly);
  const actions = useEditorState((state) => state.actions);
  return useMemo(
    () => ({
      store,
      actions,
      controller,
      getWorkflow: () => toWorkflow(store.getState()),
      dirty,
      saveStatus,
      readOnly,
    }),
    [store, actions, controller, dirty, saveStatus, readOnly],
  );
}
