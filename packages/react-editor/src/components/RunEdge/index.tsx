import { BaseEdge, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { useEditorState } from '../../hooks/useEditorState';

/** An edge that animates while data flows along it: its source or target is running. */
export const RunEdge = memo(function RunEdge(props: EdgeProps) {
  const { id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props;
  const flow = useEditorState((state) => {
    const nodes = state.run?.nodes;
    if (!nodes) return 'idle';
    const from = nodes[source]?.status;
    const to = nodes[target]?.status;
    if (to === 'running' || to === 'retrying' || from === 'running') return 'active';
    if (from === 'success' && (to === 'success' || to === 'queued')) return 'done';
    if (to === 'skipped' || from === 'failed') return 'broken';
    return 'idle';
  });
  const [path] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      className={`gf-edge gf-edge--${flow}${selected ? ' gf-edge--selected' : ''}`}
      {...(markerEnd ? { markerEnd } : {})}
    />
  );
});
