import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';

function ago(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1_000));
  if (seconds < 60) return 'moments ago';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes > 1 ? 's' : ''} ago`;
  return new Date(at).toLocaleString();
}

/** Offers to bring back unsaved changes found in local storage. */
export function DraftPrompt() {
  const { controller } = useEditorContext();
  const draft = useEditorState((state) => state.draftOffer);
  if (!draft) return null;
  return (
    <div className="gf-banner" role="alert">
      <span>
        Unsaved changes from {ago(draft.savedAt)} were found ({draft.workflow.nodes.length} nodes).
      </span>
      <button type="button" className="gf-button gf-button--small" onClick={() => controller.restoreDraft()}>
        Restore them
      </button>
      <button type="button" className="gf-button gf-button--small gf-button--ghost" onClick={() => controller.discardDraft()}>
        Discard
      </button>
    </div>
  );
}
