import type { ReactNode } from 'react';
import { useEditorState } from '../../hooks/useEditorState';

export interface SidePanelProps {
  /** The panel's heading. */
  title: string;
  children?: ReactNode;
}

/** The right-hand panel frame: a labelled region with a close button. */
export function SidePanel({ title, children }: SidePanelProps) {
  const actions = useEditorState((state) => state.actions);
  return (
    <aside className="gf-panel" aria-label={title}>
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
