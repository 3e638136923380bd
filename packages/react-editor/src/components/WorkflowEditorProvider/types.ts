import type { NodeRegistry, Workflow, WorkflowInput, WorkflowRef } from '@galaxyflow/engine';
import type { ReactNode } from 'react';
import type { EditorClient } from '../../client/types';
import type { SavedWorkflow } from '../../store/createEditorController';
import type { RunView } from '../../types';

export interface WorkflowEditorProviderProps {
  /** The node types: palette, handles, forms and validation all come from it. Required. */
  registry: NodeRegistry;
  /** Loads, saves, runs and lists runs. Without it the editor edits only. Default none. */
  client?: EditorClient;
  /** The workflow to load through `client`. Default none. */
  workflowId?: string;
  /** The workflow to start with when not loading one (uncontrolled). Default an empty workflow. */
  initialWorkflow?: WorkflowInput;
  /**
   * The workflow, controlled by the host; pair with `onChange`. A new value replaces the
   * canvas as one undo step (none for the first one) and is not reported back through
   * `onChange`; passing back what `onChange` gave changes nothing. Default uncontrolled.
   */
  value?: WorkflowInput;
  /** Called with the workflow after every edit. Default none. */
  onChange?: (workflow: Workflow) => void;
  /** Called after a successful save (Ctrl+S or the Save button). Default none. */
  onSave?: (result: SavedWorkflow) => void;
  /** Called when a live run ends, with its final state. Default none. */
  onRunFinish?: (run: RunView) => void;
  /**
   * Called when the user asks to open the saved workflow a Workflow node runs ("Open" on the
   * node), with its id and pinned version. Default none: the node shows no Open button.
   */
  onOpenWorkflow?: (ref: WorkflowRef) => void;
  /** Viewing only: no edits, no saves; runs and history stay available. Default false. */
  readOnly?: boolean;
  /** Undo steps kept. Default 100. */
  historyLimit?: number;
  /**
   * Local-storage key for the unsaved draft, or false to keep none. The draft is written
   * half a second after an edit, and at once when the page is hidden or closed. A host with
   * several users per browser should put the user in the key, and remove the user's drafts
   * on sign-out. Default `galaxyflow:draft:<workflowId>` when a `workflowId` is given, else none.
   */
  draftKey?: string | false;
  children?: ReactNode;
}
