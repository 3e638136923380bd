import { useCallback } from 'react';
import { useStore } from 'zustand';
import { useEditorContext } from './useEditorContext';

export interface HistoryApi {
  canUndo: boolean;
  canRedo: boolean;
  /** Steps that undo can take back. */
  pastSteps: number;
  /** Steps that redo can replay. */
  futureSteps: number;
  undo(): void;
  redo(): void;
  /** Forgets every step. */
  clear(): void;
}

/** The undo history of the enclosing editor. */
export function useHistory(): HistoryApi {
  const { store } = useEditorContext();
  const pastSteps = useStore(store.temporal, (state) => state.pastStates.length);
  const futureSteps = useStore(store.temporal, (state) => state.futureStates.length);
  const undo = useCallback(() => store.getState().actions.undo(), [store]);
  const redo = useCallback(() => store.getState().actions.redo(), [store]);
  const clear = useCallback(() => store.temporal.getState().clear(), [store]);
  return { canUndo: pastSteps > 0, canRedo: futureSteps > 0, pastSteps, futureSteps, undo, redo, clear };
}
