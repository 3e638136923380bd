import { nodeTitle } from '@galaxyflow/engine';
import { useRef } from 'react';
import { useEditorState } from '../../hooks/useEditorState';
import { useRevealNode } from '../../hooks/useRevealNode';
import type { EditorState } from '../../store/createEditorStore';
import { nodePortsOf } from '../../store/nodeData';
import { NestedResults } from '../NestedResults';
import { NodeFigures } from '../NodeFigures';
import { OutputPreview } from '../OutputPreview';
import { StatusBadge } from '../StatusBadge';
import { NodeSettings } from '../WorkflowNode/NodeSettings';
import { useNodeCanvas } from '../WorkflowNode/useNodeCanvas';

/** The id of the one selected workflow node; none when nothing, a note or several are selected. */
function selectInspected(state: EditorState): string | null {
  let found: string | null = null;
  for (const node of state.nodes) {
    if (!node.selected) continue;
    if (found !== null) return null;
    found = node.id;
  }
  if (found === null) return null;
  const node = state.nodes.find((candidate) => candidate.id === found);
  return node && state.registry.get(node.type) ? found : null;
}

/**
 * The settings of the selected node, beside the canvas: title, type, every field of its form
 * (advanced ones folded) and its last run result or error. Opens when one node is selected and
 * no other panel is open; closes with the selection (Escape, a click on the canvas, ×). The
 * canvas pans, when it has to, so the node shows whole beside the panel.
 */
export interface InspectorProps {
  /**
   * Whether the node was just placed by hand (dropped from the palette): the view then stays
   * as it is, node under the pointer, even when the panel covers part of it. Asked once per
   * node the inspector opens on. Default: never.
   */
  placedByHand?: ((nodeId: string) => boolean) | undefined;
}

export function Inspector({ placedByHand }: InspectorProps = {}) {
  const { actions, uploads } = useNodeCanvas();
  const nodeId = useEditorState(selectInspected);
  const panel = useEditorState((state) => state.panel);
  const node = useEditorState((state) =>
    nodeId ? state.nodes.find((candidate) => candidate.id === nodeId) : undefined,
  );
  const definition = useEditorState((state) => (node ? state.registry.get(node.type) : undefined));
  const runState = useEditorState((state) => (nodeId ? state.run?.nodes[nodeId] : undefined));
  const issues = useEditorState((state) => (nodeId ? state.issuesByNode[nodeId] : undefined));
  // A phone shows a node picked from its list of steps on the canvas; a tap on it opens this.
  const pointedOut = useEditorState((state) => state.layout === 'narrow' && state.pointedOutNodeId !== null && state.pointedOutNodeId === nodeId);
  const aside = useRef<HTMLElement>(null);
  const open = nodeId !== null && node !== undefined && definition !== undefined && panel === null && !pointedOut;
  useRevealNode(aside, open ? nodeId : null, placedByHand);
  if (!open) return null;
  const title = nodeTitle(node.data, definition.label ?? node.type);
  const { outputs } = nodePortsOf(definition, node.data);
  const previewPort = definition.previewOutput ?? Object.keys(outputs)[0];
  return (
    <aside
      ref={aside}
      className="gf-panel gf-inspector"
      aria-label={`Settings of ${title}`}
      data-testid="gf-inspector"
    >
      <header className="gf-panel__header">
        <div className="gf-inspector__heading">
          <h2 className="gf-panel__title">{title}</h2>
          <span className="gf-inspector__type" title={definition.description}>
            {definition.label ?? node.type}
          </span>
        </div>
        <button
          type="button"
          className="gf-icon-button"
          aria-label="Close settings"
          title="Close (Escape)"
          onClick={actions.clearSelection}
        >
          ×
        </button>
      </header>
      <div className="gf-panel__body">
        {issues && (
          <ul className="gf-inspector__issues" aria-label="Issues">
            {issues.map((issue) => (
              <li key={`${issue.code}:${issue.message}`}>{issue.message}</li>
            ))}
          </ul>
        )}
        <NodeSettings nodeId={nodeId} definition={definition} data={node.data} />
        {runState && (
          <section className="gf-inspector__result" aria-label="Last run">
            <h3 className="gf-panel__subtitle">
              Last run{' '}
              <StatusBadge
                status={runState.status}
                attempt={runState.attempt ?? 1}
                reused={runState.reused ?? false}
              />
            </h3>
            <OutputPreview
              state={runState}
              port={previewPort}
              portType={previewPort ? outputs[previewPort]?.type : undefined}
              onShowError={() => actions.showError(nodeId)}
              uploads={uploads}
            />
            <NestedResults state={runState} />
            <NodeFigures state={runState} />
          </section>
        )}
      </div>
    </aside>
  );
}
