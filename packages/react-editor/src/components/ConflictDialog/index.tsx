import { useEffect, useId, useRef } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';

/** Shown when a save hits a newer server version: reload theirs, or overwrite with ours. */
export function ConflictDialog() {
  const { controller } = useEditorContext();
  const status = useEditorState((state) => state.saveStatus);
  const version = useEditorState((state) => state.conflictVersion);
  const actions = useEditorState((state) => state.actions);
  const titleId = useId();
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (status === 'conflict') first.current?.focus();
  }, [status]);
  if (status !== 'conflict') return null;
  return (
    <div className="gf-overlay">
      <div className="gf-dialog" role="alertdialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId} className="gf-dialog__title">
          This workflow was changed elsewhere
        </h2>
        <p>
          Someone saved a newer version{version !== undefined ? ` (version ${version})` : ''} while you were editing.
          Reload it (your version stays one undo away), or overwrite it with yours.
        </p>
        <div className="gf-dialog__actions">
          <button ref={first} type="button" className="gf-button" onClick={() => void controller.reload()}>
            Reload their version
          </button>
          <button type="button" className="gf-button gf-button--danger" onClick={() => void controller.save({ overwrite: true })}>
            Overwrite with mine
          </button>
          <button type="button" className="gf-button gf-button--ghost" onClick={() => actions.patch({ saveStatus: 'idle' })}>
            Not now
          </button>
        </div>
      </div>
    </div>
  );
}
