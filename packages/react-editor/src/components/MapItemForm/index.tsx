import { useId } from 'react';
import type { EditorNodeData } from '../../types';
import { NodeForm } from '../NodeForm';
import { WorkflowPicker } from '../WorkflowPicker';
import { useNodeCanvas } from '../WorkflowNode/useNodeCanvas';

export interface MapItemFormProps {
  nodeId: string;
  data: EditorNodeData;
  readOnly: boolean;
}

/** Node types a Map cannot run per item: they take no item. */
const NOT_PER_ITEM = new Set(['input', 'output', 'map']);

/**
 * What a Map node runs per item: a node type picked from the registry, edited with that type's
 * own fields (kept in `nodeData`), or a saved workflow picked like a Workflow node's.
 */
export function MapItemForm({ nodeId, data, readOnly }: MapItemFormProps) {
  const { registry, actions } = useNodeCanvas();
  const id = useId();
  if (data.mode === 'workflow')
    return <WorkflowPicker nodeId={nodeId} data={data} readOnly={readOnly} mode="ref" />;
  const nodeType = typeof data.nodeType === 'string' ? data.nodeType : 'template';
  const definition = registry.get(nodeType);
  const types = registry.list().filter((d) => !NOT_PER_ITEM.has(d.type));
  return (
    <div className="gf-map-item">
      <div className="gf-field gf-field--select">
        <label className="gf-field__label" htmlFor={id}>
          Node per item
        </label>
        <select
          id={id}
          className="gf-field__input nodrag nowheel nopan"
          value={nodeType}
          disabled={readOnly}
          onChange={(event) =>
            actions.updateNodeData(nodeId, { nodeType: event.target.value, nodeData: {} })
          }
        >
          {!definition && <option value={nodeType}>{nodeType} (unknown)</option>}
          {types.map((d) => (
            <option key={d.type} value={d.type}>
              {d.label}
            </option>
          ))}
        </select>
        <span className="gf-field__help">
          Each item goes to its "{typeof data.itemPort === 'string' ? data.itemPort : 'item'}"
          input.
        </span>
      </div>
      {definition && (
        <NodeForm
          nodeId={nodeId}
          definition={definition}
          data={data}
          dataKey="nodeData"
          readOnly={readOnly}
        />
      )}
    </div>
  );
}
