import { useCallback } from 'react';
import type { EditorState } from '../store/createEditorStore';
import { isRunActive } from '../store/runReducer';
import type { RunView } from '../types';
import { useEditorContext } from './useEditorContext';
import { useEditorState } from './useEditorState';

export interface RunApi {
  /** The run on the canvas: live, or opened from the history. Null when none. */
  run: RunView | null;
  /** A live run is starting or running. */
  isRunning: boolean;
  /** Why Run is disabled, or null when it is enabled. */
  blockedReason: string | null;
  /** Validates, then runs the whole workflow. */
  start(): Promise<void>;
  /** Runs a node and what it needs, reusing unchanged upstream outputs of the last run. */
  runTo(nodeId: string): Promise<void>;
  cancel(): Promise<void>;
  /** Paints a past run onto the canvas. */
  open(runId: string): Promise<void>;
  /** Clears run colours and outputs from the canvas. */
  clear(): void;
}

/** Why the workflow cannot run now, in words for the Run button; null when it can. */
export function selectRunBlockedReason(state: EditorState, hasClient: boolean): string | null {
  if (!hasClient) return 'Running needs a connection to a server.';
  if (state.nodes.length === 0) return 'Add a node to run the workflow.';
  if (isRunActive(state.run)) return 'A run is in progress.';
  const count = state.issues.length;
  if (count > 0) {
    const first = state.issues[0]!;
    return count === 1 ? `Fix this first: ${first.message}` : `Fix ${count} issues first, e.g. ${first.message}`;
  }
  return null;
}

/** The run state of the enclosing editor and the means to start, cancel and open runs. */
export function useRun(): RunApi {
  const { controller } = useEditorContext();
  const run = useEditorState((state) => state.run);
  const blockedReason = useEditorState((state) => selectRunBlockedReason(state, controller.client !== undefined));
  const start = useCallback(() => controller.run(), [controller]);
  const runTo = useCallback((nodeId: string) => controller.run({ targetNodeId: nodeId }), [controller]);
  const cancel = useCallback(() => controller.cancelRun(), [controller]);
  const open = useCallback((runId: string) => controller.openRun(runId), [controller]);
  const clear = useCallback(() => controller.clearRun(), [controller]);
  return { run, isRunning: isRunActive(run), blockedReason, start, runTo, cancel, open, clear };
}
