import { useConnection } from '@xyflow/react';
import { useEditorState } from '../../hooks/useEditorState';
import { validateConnectionFor } from '../../store/validation';

/** While the user drags a connection over a port it may not join, says why. */
export function ConnectionHint() {
  const connection = useConnection();
  const reason = useEditorState((state) => {
    if (!connection.inProgress || !connection.toHandle || connection.isValid !== false) return null;
    const from = connection.fromHandle;
    const to = connection.toHandle;
    const [source, target] = from.type === 'source' ? [from, to] : [to, from];
    const check = validateConnectionFor(
      state,
      { source: source.nodeId, sourceHandle: source.id ?? null, target: target.nodeId, targetHandle: target.id ?? null },
      state.registry,
    );
    return check.ok ? null : check.issue.message;
  });
  if (!reason) return null;
  return (
    <div className="gf-connection-hint" role="status">
      Can’t connect: {reason}
    </div>
  );
}
