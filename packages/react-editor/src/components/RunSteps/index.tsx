import { isNoteNode } from '@galaxyflow/engine';
import { useReactFlow } from '@xyflow/react';
import { useMemo } from 'react';
import { useEditorState } from '../../hooks/useEditorState';
import type { EditorEdge, EditorNode } from '../../types';
import { OutputPreview } from '../OutputPreview';
import { StatusBadge } from '../StatusBadge';

/** Nodes in the order data flows through them (Kahn), ties left to right then top to bottom. */
export function flowOrder(
  nodes: readonly EditorNode[],
  edges: readonly EditorEdge[],
): EditorNode[] {
  const byPlace = nodes
    .filter((node) => !isNoteNode(node))
    .sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y);
  const waiting = new Map(byPlace.map((node) => [node.id, 0]));
  for (const edge of edges)
    if (waiting.has(edge.target) && waiting.has(edge.source))
      waiting.set(edge.target, waiting.get(edge.target)! + 1);
  const out: EditorNode[] = [];
  const done = new Set<string>();
  while (out.length < byPlace.length) {
    const next =
      byPlace.find((node) => !done.has(node.id) && waiting.get(node.id) === 0) ??
      byPlace.find((node) => !done.has(node.id))!;
    out.push(next);
    done.add(next.id);
    for (const edge of edges)
      if (edge.source === next.id && waiting.has(edge.target))
        waiting.set(edge.target, waiting.get(edge.target)! - 1);
  }
  return out;
}

/**
 * The workflow as a list, for phones: each node in the order data flows, with its run status
 * and its output (streaming while it runs). "Show on canvas" shows it there, centred and selected.
 */
export function RunSteps() {
  const nodes = useEditorState((state) => state.nodes);
  const edges = useEditorState((state) => state.edges);
  const registry = useEditorState((state) => state.registry);
  const run = useEditorState((state) => state.run);
  const actions = useEditorState((state) => state.actions);
  const ordered = useMemo(() => flowOrder(nodes, edges), [nodes, edges]);
  const flow = useReactFlow();
  return (
    <section className="gf-steps" aria-label="Steps">
      {ordered.length === 0 && (
        <p className="gf-panel__empty">No nodes yet: add them on a wider screen.</p>
      )}
      <ol className="gf-steps__list">
        {ordered.map((node) => {
          const definition = registry.get(node.type);
          const title =
            typeof node.data.label === 'string' && node.data.label
              ? node.data.label
              : (definition?.label ?? node.type);
          const state = run?.nodes[node.id];
          return (
            <li key={node.id} className="gf-steps__item">
              <div className="gf-steps__head">
                <strong className="gf-steps__title">{title}</strong>
                {definition && title !== definition.label && (
                  <span className="gf-steps__type">{definition.label}</span>
                )}
                <StatusBadge
                  status={state?.status}
                  attempt={state?.attempt ?? 1}
                  reused={state?.reused ?? false}
                />
              </div>
              <OutputPreview state={state} onShowError={() => actions.showError(node.id)} />
              <button
                type="button"
                className="gf-button gf-button--small gf-steps__show"
                onClick={() => {
                  // The canvas, centred on the node, selected; its settings (which would cover
                  // the whole phone) wait for a tap on it.
                  actions.selectNode(node.id);
                  actions.patch({ view: 'canvas', pointedOutNodeId: node.id });
                  void flow.fitView({ nodes: [{ id: node.id }], maxZoom: 1, duration: 200 });
                }}
              >
                Show on canvas
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
