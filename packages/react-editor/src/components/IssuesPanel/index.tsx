import { useReactFlow } from '@xyflow/react';
import { useEditorState } from '../../hooks/useEditorState';
import { SidePanel } from '../SidePanel';

/** Every problem that keeps the workflow from running; clicking one shows its node. */
export function IssuesPanel() {
  const issues = useEditorState((state) => state.issues);
  const actions = useEditorState((state) => state.actions);
  const flow = useReactFlow();
  return (
    <SidePanel title="Issues">
      {issues.length === 0 ? (
        <p className="gf-panel__empty">No issues: the workflow is ready to run.</p>
      ) : (
        <ul className="gf-issues">
          {issues.map((issue, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: one issue can repeat for several edges; the list is replaced whole
            <li key={`${issue.code}-${issue.nodeId ?? ''}-${issue.edgeId ?? ''}-${index}`}>
              <button
                type="button"
                className="gf-issues__item"
                title={issue.nodeId === undefined ? undefined : `Node id: ${issue.nodeId}`}
                disabled={issue.nodeId === undefined}
                onClick={() => {
                  if (issue.nodeId === undefined) return;
                  actions.selectNode(issue.nodeId);
                  void flow.fitView({ nodes: [{ id: issue.nodeId }], duration: 250, maxZoom: 1.2 });
                }}
              >
                <code className="gf-issues__code">{issue.code}</code>
                <span>{issue.message}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </SidePanel>
  );
}
