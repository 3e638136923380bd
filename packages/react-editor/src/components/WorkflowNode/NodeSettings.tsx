import type { AnyNodeDefinition } from '@galaxyflow/engine';
import type { EditorNodeData } from '../../types';
import { ImageFileField } from '../ImageFileField';
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
 * Every setting of a node: its image file, sub-workflow picker, generated form and per-item
 * form. Drawn in the inspector panel, or on the node itself when the host keeps settings inline.
 */
export function NodeSettings({ nodeId, definition, data }: NodeSettingsProps) {
  const { controller, readOnly, actions, uploads } = useNodeCanvas();
  return (
    <>
      {definition.type === 'image' && (
        <ImageFileField
          nodeId={nodeId}
          fileId={typeof data.fileId === 'string' ? data.fileId : undefined}
          uploads={uploads}
          canUpload={controller.client?.files !== undefined}
          readOnly={readOnly}
          onRemove={() => actions.updateNodeData(nodeId, { fileId: undefined })}
        />
      )}
      {definition.type === 'workflow' && (
        <WorkflowPicker nodeId={nodeId} data={data} readOnly={readOnly} />
      )}
      <NodeForm nodeId={nodeId} definition={definition} data={data} readOnly={readOnly} />
      {definition.type === 'map' && <MapItemForm nodeId={nodeId} data={data} readOnly={readOnly} />}
    </>
  );
}
