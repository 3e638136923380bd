import type { AnyNodeDefinition } from '@galaxyflow/engine';
import type { EditorNodeData } from '../../types';
import { MapItemForm } from '../MapItemForm';
import { NodeForm } from '../NodeForm';
import { WorkflowPicker } from '../WorkflowPicker';
import { useNodeCanvas } from './useNodeCanvas';

export interface NodeSettingsProps {
  nodeId: string;
  definition: AnyNodeDefinition;
  data: EditorNodeData;
}

/**
 * Every setting of a node: its sub-workflow picker, generated form and per-item form (an Image
 * node's file stays on the node: it is what the node shows). Drawn in the inspector panel, or on the node itself when the host keeps settings inline.
 */
export function NodeSettings({ nodeId, definition, data }: NodeSettingsProps) {
  const { readOnly } = useNodeCanvas();
  return (
    <>
      {definition.type === 'workflow' && (
        <WorkflowPicker nodeId={nodeId} data={data} readOnly={readOnly} />
      )}
      <NodeForm nodeId={nodeId} definition={definition} data={data} readOnly={readOnly} />
      {definition.type === 'map' && <MapItemForm nodeId={nodeId} data={data} readOnly={readOnly} />}
    </>
  );
}
