import { inputPortsOf, outputPortsOf, type PortMap } from '@galaxyflow/engine';
import { Handle, type NodeProps, Position, useUpdateNodeInternals } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import { parsedDataOf } from '../../store/nodeData';
import type { EditorNode } from '../../types';
import { NodeForm } from '../NodeForm';
import { OutputPreview } from '../OutputPreview';
import { StatusBadge } from '../StatusBadge';
import { useNodeCanvas } from './useNodeCanvas';
import { useNodeSlice } from './useNodeSlice';

const NO_PORTS: PortMap = {};

function portSignature(inputs: PortMap, outputs: PortMap): string {
  return `${Object.keys(inputs).join(',')}|${Object.keys(outputs).join(',')}`;
}

function categoryClass(category: string): string {
  return `gf-node--cat-${category.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/**
 * What a node shows, drawn from its definition: header with label and status, typed
 * handles, the generated settings form and the last output; zoomed too far out to read
 * those, a light card of title, status and ports (selected nodes stay whole). Rendered only
 * inside `WorkflowNode`, its own error boundary, hooks included, so nothing here can take the
 * canvas down. Reads the canvas context and one keyed feed: no store subscription of its own.
 */
export function WorkflowNodeContent({ id, type, data, selected, height }: NodeProps<EditorNode>) {
  const canvas = useNodeCanvas();
  const { controller, readOnly, running, actions } = canvas;
  const compact = canvas.compact && !selected;
  const definition = canvas.registry.get(type);
  const { runState, issues } = useNodeSlice(canvas.feed, id);
  const updateNodeInternals = useUpdateNodeInternals();

  const { inputs, outputs } = useMemo(() => {
    if (!definition) return { inputs: NO_PORTS, outputs: NO_PORTS };
    const parsed = parsedDataOf(definition, data);
    try {
      return {
        inputs: inputPortsOf(definition, parsed),
        outputs: outputPortsOf(definition, parsed),
      };
    } catch {
      return { inputs: NO_PORTS, outputs: NO_PORTS };
    }
  }, [definition, data]);
  const signature = portSignature(inputs, outputs);
  const measuredSignature = useRef(signature);
  // Handles that appear or vanish (template placeholders) must be re-measured. Not on
  // mount: React Flow measures new nodes itself, and a call per node would force a layout
  // per node on a large graph.
  useEffect(() => {
    if (measuredSignature.current === signature) return;
    measuredSignature.current = signature;
    updateNodeInternals(id);
  }, [id, signature, updateNodeInternals]);

  const label =
    typeof data.label === 'string' && data.label ? data.label : (definition?.label ?? type);
  const inputRows = Object.entries(inputs);
  const outputRows = Object.entries(outputs);
  const rows = Math.max(inputRows.length, outputRows.length);
  const previewPort = definition?.previewOutput ?? outputRows[0]?.[0];
  const status = runState?.status;
  const className = [
    'gf-node',
    definition ? categoryClass(definition.category) : 'gf-node--unknown',
    status ? `gf-node--${status}` : '',
    issues ? 'gf-node--invalid' : '',
    selected ? 'gf-node--selected' : '',
    compact ? 'gf-node--compact' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      className={className}
      data-testid={`gf-node-${id}`}
      style={compact && height ? { height } : undefined}
    >
      <header className="gf-node__header">
        <span className="gf-node__title" title={definition?.description}>
          {label}
        </span>
        <StatusBadge
          status={status}
          attempt={runState?.attempt ?? 1}
          reused={runState?.reused ?? false}
        />
        {issues && !compact && (
          <span
            className="gf-node__issue-flag"
            role="img"
            aria-label={`${issues.length} issue${issues.length > 1 ? 's' : ''}: ${issues.map((issue) => issue.message).join(' ')}`}
            title={issues.map((issue) => issue.message).join('\n')}
          >
            !
          </span>
        )}
        {definition && controller.client && !compact && (
          <button
            type="button"
            className="gf-icon-button gf-node__run nodrag"
            aria-label={`Run to here: ${label}`}
            title="Run this node and what it needs"
            disabled={running}
            onClick={() => void controller.run({ targetNodeId: id })}
          >
            ▶
          </button>
        )}
      </header>
      {!definition && <p className="gf-node__unknown">Unknown node type "{type}".</p>}
      {rows > 0 && (
        <div className="gf-node__ports">
          {Array.from({ length: rows }, (_, i) => {
            const input = inputRows[i];
            const output = outputRows[i];
            return (
              <div className="gf-port-row" key={`${input?.[0] ?? ''}|${output?.[0] ?? ''}`}>
                {input ? (
                  <span className="gf-port gf-port--in" title={input[1].description}>
                    <Handle
                      type="target"
                      position={Position.Left}
                      id={input[0]}
                      className={`gf-handle gf-handle--${input[1].type}`}
                      title={`${input[1].label ?? input[0]} (${input[1].type} input)`}
                    />
                    {input[1].label ?? input[0]}
                    {input[1].required && (
                      <span className="gf-port__required" title="Required">
                        <span aria-hidden="true">*</span>
                        <span className="gf-visually-hidden"> (required)</span>
                      </span>
                    )}
                  </span>
                ) : (
                  <span />
                )}
                {output ? (
                  <span className="gf-port gf-port--out" title={output[1].description}>
                    {output[1].label ?? output[0]}
                    <Handle
                      type="source"
                      position={Position.Right}
                      id={output[0]}
                      className={`gf-handle gf-handle--${output[1].type}`}
                      title={`${output[1].label ?? output[0]} (${output[1].type} output)`}
                    />
                  </span>
                ) : (
                  <span />
                )}
              </div>
            );
          })}
        </div>
      )}
      {definition && !compact && (
        <NodeForm nodeId={id} definition={definition} data={data} readOnly={readOnly} />
      )}
      {!compact && (
        <OutputPreview
          state={runState}
          port={previewPort}
          portType={previewPort ? outputs[previewPort]?.type : undefined}
          onShowError={() => actions.showError(id)}
        />
      )}
    </div>
  );
}
