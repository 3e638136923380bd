import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { useHistory } from '../../hooks/useHistory';
import type { EditorPanel } from '../../store/createEditorStore';

export interface NarrowMenuItemsProps {
  /** Closes the menu, then runs the action. */
  closeMenu(action: () => void): void;
  /** Opens the panel, or closes it when open. */
  toggle(panel: EditorPanel): void;
}

/** What a phone-wide toolbar has no room for: undo, redo and the panels, at the top of its menu. */
export function NarrowMenuItems({ closeMenu, toggle }: NarrowMenuItemsProps) {
  const { controller } = useEditorContext();
  const readOnly = useEditorState((state) => state.readOnly);
  const workflowId = useEditorState((state) => state.workflowId);
  const issueCount = useEditorState((state) => state.issues.length);
  const history = useHistory();
  return (
    <>
      {!readOnly && (
        <>
          <button
            type="button"
            className="gf-button gf-button--ghost"
            disabled={!history.canUndo}
            onClick={() => closeMenu(history.undo)}
          >
            Undo
          </button>
          <button
            type="button"
            className="gf-button gf-button--ghost"
            disabled={!history.canRedo}
            onClick={() => closeMenu(history.redo)}
          >
            Redo
          </button>
        </>
      )}
      <button
        type="button"
        className="gf-button gf-button--ghost"
        onClick={() => closeMenu(() => toggle('issues'))}
      >
        Issues{issueCount > 0 && <span className="gf-count">{issueCount}</span>}
      </button>
      {controller.client && workflowId && (
        <button
          type="button"
          className="gf-button gf-button--ghost"
          onClick={() => closeMenu(() => toggle('history'))}
        >
          Run history
        </button>
      )}
      {controller.hasVersions && (
        <button
          type="button"
          className="gf-button gf-button--ghost"
          onClick={() => closeMenu(() => toggle('versions'))}
        >
          Versions
        </button>
      )}
    </>
  );
}
