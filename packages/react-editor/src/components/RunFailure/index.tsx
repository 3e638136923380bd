import { useEditorState } from '../../hooks/useEditorState';
import { selectNodeTitle } from '../../hooks/useNodeTitle';
import type { EditorState } from '../../store/createEditorStore';

/** The node a failed or partly failed run failed at; null when none did. */
export function selectFailedNodeId(state: EditorState): string | null {
  const run = state.run;
  if (!run || (run.phase !== 'FAILED' && run.phase !== 'PARTIAL')) return null;
  // The run's error names the first failure; otherwise the first failed node on the canvas.
  const named = run.error?.nodeId;
  if (named !== undefined && run.nodes[named]?.status === 'failed') return named;
  return state.nodes.find((node) => run.nodes[node.id]?.status === 'failed')?.id ?? null;
}

/**
 * Why a run failed, in the toolbar: the failed node by title and its message; a click opens
 * the node's error detail. Nothing when the run did not fail.
 */
export function RunFailure() {
  const nodeId = useEditorState(selectFailedNodeId);
  const title = useEditorState((state) => (nodeId === null ? '' : selectNodeTitle(state, nodeId)));
  const message = useEditorState((state) =>
    nodeId === null
      ? ''
      : (state.run?.nodes[nodeId]?.error?.message ?? state.run?.error?.message ?? 'It failed.'),
  );
  const actions = useEditorState((state) => state.actions);
  if (nodeId === null) return null;
  const text = `"${title}" failed: ${message}`;
  return (
    <button
      type="button"
      className="gf-run-failure"
      title={`${text}\nNode id: ${nodeId}`}
      onClick={() => actions.showError(nodeId)}
    >
      {text}
    </button>
  );
}
