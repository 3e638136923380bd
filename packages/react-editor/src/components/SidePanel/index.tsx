import { type ReactNode, type RefObject, useRef } from 'react';
import { useEditorState } from '../../hooks/useEditorState';
import { useRevealNode } from '../../hooks/useRevealNode';

export interface SidePanelProps {
  /** The panel's heading. */
  title: string;
  children?: ReactNode;
  /** The node the panel is about: the canvas pans it into view beside the panel. Default: none. */
  revealNodeId?: string | undefined;
}

function RevealNode({ panel, nodeId }: { panel: RefObject<HTMLElement | null>; nodeId: string }) {
  useRevealNode(panel, nodeId);
  return null;
}

/** The right-hand panel frame: a labelled region with a close button. */
export function SidePanel({ title, children, revealNodeId }: SidePanelProps) {
  const actions = useEditorState((state) => state.actions);
  const panel = useRef<HTMLElement>(null);
  return (
    <aside ref={panel} className="gf-panel" aria-label={title}>
      {revealNodeId !== undefined && <RevealNode panel={panel} nodeId={revealNodeId} />}
      <header className="gf-panel__header">
        <h2 className="gf-panel__title">{title}</h2>
        <button type="button" className="gf-icon-button" aria-label={`Close ${title}`} onClick={() => actions.openPanel(null)}>
          ×
        </button>
      </header>
      <div className="gf-panel__body">{children}</div>
    </aside>
  );
}
