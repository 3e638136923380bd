import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { EditorNode } from '../../types';
import { NodeErrorBoundary } from '../NodeErrorBoundary';
import { WorkflowNodeContent } from './WorkflowNodeContent';

/**
 * A node on the canvas: its content drawn from its definition, all of it (header, handles,
 * form, preview and the hooks behind them) inside an error boundary, so a node whose
 * definition or data makes rendering throw shows an error card in its place while the rest of
 * the canvas keeps working. Memoized, and with no store subscription of its own, so a drag
 * still renders only the dragged node and a thousand nodes cost what they did.
 */
export const WorkflowNode = memo(function WorkflowNode(props: NodeProps<EditorNode>) {
  // Only what cannot throw: the definition may be what fails.
  const label = typeof props.data.label === 'string' && props.data.label ? props.data.label : props.type;
  return (
    // An undo or any other change of the node's data may have fixed it: it renders again.
    <NodeErrorBoundary nodeId={props.id} label={label} resetKeys={[props.type, props.data]}>
      <WorkflowNodeContent {...props} />
    </NodeErrorBoundary>
  );
});
