import { Handle, type NodeProps, Position } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { nodePortsOf } from '../../store/nodeData';
import type { NodeSlice } from '../../store/nodeFeed';
import type { EditorNode } from '../../types';
import { ImageFileField } from '../ImageFileField';
import { settingSummary } from '../Inspector/summary';
import { NestedResults } from '../NestedResults';
import { NodeFigures } from '../NodeFigures';
import { OutputPreview } from '../OutputPreview';
import { StatusBadge } from '../StatusBadge';
import { NodeOutput } from './NodeOutput';
import { NodeSettings } from './NodeSettings';
import { nodeClassName } from './nodeClassName';
import { useNodeCanvas } from './useNodeCanvas';

export type WorkflowNodeContentProps = NodeProps<EditorNode> & {
  /** The node's run state and issues, which `WorkflowNode` follows. */
  slice: NodeSlice | undefined;
};

/**
 * A whole node, drawn from its definition: header with label and status, typed handles,
 * the generated settings form and the last output. Rendered only inside `WorkflowNode`, its
 * own error boundary, hooks included, so nothing here can take the canvas down. Reads the
 * canvas context; no store subscription of its own.
 */
export function WorkflowNodeContent({ id, type, data, selected, slice }: WorkflowNodeContentProps) {
  const { controller, readOnly, running, actions, registry, updateNodeInternals, uploads, inspector } = useNodeCanvas();
  const runState = slice?.runState;
  const issues = slice?.issues;
  const definition = registry.get(type);
  const { inputs, outputs, signature } = nodePortsOf(definition, data);
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
  const className = nodeClassName(definition, status, issues !== undefined, selected, false);
  const summary = inspector ? settingSummary(definition, data) : undefined;
  // Only a value or a stream can run long; errors and skip notes stay whole.
  const hasOutput = status === 'success' || status === 'canceled' || ((status === 'running' || status === 'retrying') && Boolean(runState?.streamed));
  const preview = (
    <OutputPreview
      state={runState}
      port={previewPort}
      portType={previewPort ? outputs[previewPort]?.type : undefined}
      onShowError={() => actions.showError(id)}
      uploads={uploads}
    />
  );

  return (
    <div className={className} data-testid={`gf-node-${id}`}>
      <header className="gf-node__header">
        <span className="gf-node__title" title={definition?.description}>
          {label}
        </span>
        <StatusBadge
          status={status}
          attempt={runState?.attempt ?? 1}
          reused={runState?.reused ?? false}
        />
        {runState?.progress && (
          <span
            className="gf-node__progress"
            data-testid={`gf-progress-${id}`}
            title={`${runState.progress.done} of ${runState.progress.total} items done`}
          >
            {runState.progress.done}/{runState.progress.total}
          </span>
        )}
        {issues && (
          <span
            className="gf-node__issue-flag"
            role="img"
            aria-label={`${issues.length} issue${issues.length > 1 ? 's' : ''}: ${issues.map((issue) => issue.message).join(' ')}`}
            title={issues.map((issue) => issue.message).join('\n')}
          >
            !
          </span>
        )}
        {definition && controller.client && (
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
      {definition?.type === 'image' && (
        <ImageFileField
          nodeId={id}
          fileId={typeof data.fileId === 'string' ? data.fileId : undefined}
          uploads={uploads}
          canUpload={controller.client?.files !== undefined}
          readOnly={readOnly}
          onRemove={() => actions.updateNodeData(id, { fileId: undefined })}
        />
      )}
      {definition && !inspector && <NodeSettings nodeId={id} definition={definition} data={data} />}
      {inspector && summary && (
        <p className="gf-node__summary" title={summary}>
          {summary}
        </p>
      )}
      {inspector && hasOutput ? <NodeOutput nodeId={id}>{preview}</NodeOutput> : preview}
      <NestedResults state={runState} />
      <NodeFigures state={runState} />
    </div>
  );
}
