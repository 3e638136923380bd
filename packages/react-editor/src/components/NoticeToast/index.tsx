import { useEffect } from 'react';
import { useEditorState } from '../../hooks/useEditorState';

export interface NoticeToastProps {
  /** How long a notice stays, in ms. Default 4000. */
  durationMs?: number;
}

/** Short messages ("Saved.", a refused connection) over the canvas, announced politely. */
export function NoticeToast({ durationMs = 4_000 }: NoticeToastProps) {
  const notice = useEditorState((state) => state.notice);
  const actions = useEditorState((state) => state.actions);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => actions.dismissNotice(), durationMs);
    return () => clearTimeout(timer);
  }, [notice, actions, durationMs]);
  return (
    <div className="gf-toast-region" role="status" aria-live="polite">
      {notice && (
        <div className={`gf-toast gf-toast--${notice.tone}`} key={notice.id}>
          {notice.message}
        </div>
      )}
    </div>
  );
}
