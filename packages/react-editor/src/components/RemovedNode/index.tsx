import type { NodeProps } from '@xyflow/react';
import type { EditorNode } from '../../types';

/** A node a compared version had and the canvas no longer has: its title at its old place. */
export function RemovedNode({ data }: NodeProps<EditorNode>) {
  const type = typeof data.originalType === 'string' ? data.originalType : 'node';
  const title = typeof data.label === 'string' && data.label ? data.label : type;
  return (
    <div className="gf-removed-node">
      <span className="gf-removed-node__title">{title}</span>
      <span className="gf-removed-node__note">Removed since this version</span>
    </div>
  );
}
