import { useContext } from 'react';
import { EditorError } from '../errors';
import { type EditorContextValue, EditorContext } from './EditorContext';

/** The enclosing editor; throws a clear error outside a `WorkflowEditorProvider`. */
export function useEditorContext(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) {
    throw new EditorError('E_OUTSIDE_EDITOR');
  }
  return value;
}
