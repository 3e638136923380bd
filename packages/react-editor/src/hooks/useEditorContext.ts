import { useContext } from 'react';
import { type EditorContextValue, EditorContext } from './EditorContext';

/** The enclosing editor; throws a clear error outside a `WorkflowEditorProvider`. */
export function useEditorContext(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) {
    throw new Error('Galaxy Flow editor hooks must be used inside <WorkflowEditorProvider> or <WorkflowEditor>.');
  }
  return value;
}
