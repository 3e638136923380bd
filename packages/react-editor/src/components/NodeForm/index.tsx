import type { AnyNodeDefinition, FieldSpec } from '@galaxyflow/engine';
import { memo, useId } from 'react';
import { useEditorState } from '../../hooks/useEditorState';
import { parsedDataOf } from '../../store/nodeData';
import type { EditorNodeData } from '../../types';
import { ConditionsField, type RowIssue } from '../ConditionsField';
import { FieldControl } from '../FieldControl';

export interface NodeFormProps {
  nodeId: string;
  definition: AnyNodeDefinition;
  data: EditorNodeData;
  /** Shows values without allowing edits. Default false. */
  readOnly?: boolean;
  /**
   * Edits an object inside the node's data instead of the data itself (a Map node's `nodeData`,
   * the settings of the node it runs per item). Default none.
   */
  dataKey?: string;
}

/**
 * What the node type's own schema says about the condition fields, by field: the messages the
 * server would answer with, shown under the row they concern while the user edits.
 */
function conditionIssuesOf(definition: AnyNodeDefinition, data: EditorNodeData): Map<string, { rows: RowIssue[]; list: string[] }> {
  const byField = new Map<string, { rows: RowIssue[]; list: string[] }>();
  const checked = definition.data.safeParse(data);
  if (checked.success) return byField;
  for (const issue of checked.error.issues) {
    const [field, row, key] = issue.path;
    if (typeof field !== 'string') continue;
    let entry = byField.get(field);
    if (!entry) {
      entry = { rows: [], list: [] };
      byField.set(field, entry);
    }
    if (typeof row === 'number') entry.rows.push({ row, field: typeof key === 'string' ? key : undefined, message: issue.message });
    else entry.list.push(issue.message);
  }
  return byField;
}

function visible(spec: FieldSpec, values: Record<string, unknown>): boolean {
  if (!spec.showWhen) return true;
  return Object.entries(spec.showWhen).every(([key, allowed]) => allowed.includes(values[key]));
}

/** The settings form of a node, generated from its definition's `fields`. */
export const NodeForm = memo(function NodeForm({ nodeId, definition, data: nodeData, readOnly = false, dataKey }: NodeFormProps) {
  const nested = dataKey === undefined ? undefined : nodeData[dataKey];
  const data: EditorNodeData =
    dataKey === undefined ? nodeData : nested !== null && typeof nested === 'object' && !Array.isArray(nested) ? (nested as EditorNodeData) : {};
  const actions = useEditorState((state) => state.actions);
  const baseId = useId();
  const fields = Object.entries(definition.fields ?? {});
  if (fields.length === 0) return null;
  // Defaults fill in what the user has not set, so the form shows what will run.
  const parsed = parsedDataOf(definition, data);
  const values: Record<string, unknown> = {
    ...(typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}),
    ...data,
  };
  const conditionIssues = fields.some(([, spec]) => spec.kind === 'conditions') ? conditionIssuesOf(definition, data) : undefined;
  const render = ([name, spec]: [string, FieldSpec]) => {
    if (!visible(spec, values)) return null;
    const id = `${baseId}-${name}`;
    if (spec.kind === 'conditions') {
      const found = conditionIssues?.get(name);
      return (
        <div className="gf-field gf-field--conditions" key={name}>
          <span className="gf-field__label">{spec.label ?? name}</span>
          <ConditionsField
            id={id}
            spec={spec}
            value={values[name]}
            readOnly={readOnly}
            issues={found?.rows ?? []}
            listIssues={found?.list ?? []}
            onChange={(value, typing) =>
              actions.updateNodeData(nodeId, { [name]: value }, typing ? { burst: name } : undefined)
            }
            onCommit={actions.endBurst}
          />
          {spec.help && <span className="gf-field__help">{spec.help}</span>}
        </div>
      );
    }
    const control = (
      <FieldControl
        id={id}
        name={name}
        spec={spec}
        value={values[name]}
        readOnly={readOnly}
        onChange={(value, typing) =>
          actions.updateNodeData(
            nodeId,
            dataKey === undefined ? { [name]: value } : { [dataKey]: { ...data, [name]: value } },
            typing ? { burst: dataKey === undefined ? name : `${dataKey}.${name}` } : undefined,
          )
        }
        onCommit={actions.endBurst}
      />
    );
    return (
      <div className={`gf-field gf-field--${spec.kind}`} key={name}>
        {spec.kind === 'boolean' ? (
          <label className="gf-field__inline" htmlFor={id}>
            {control}
            <span>{spec.label ?? name}</span>
          </label>
        ) : (
          <>
            <label className="gf-field__label" htmlFor={id}>
              {spec.label ?? name}
            </label>
            {control}
          </>
        )}
        {spec.help && <span className="gf-field__help">{spec.help}</span>}
      </div>
    );
  };
  const basic = fields.filter(([, spec]) => !spec.advanced);
  const advanced = fields.filter(([, spec]) => spec.advanced);
  return (
    <div className="gf-node__form">
      {basic.map(render)}
      {advanced.length > 0 && (
        <details className="gf-node__advanced">
          <summary className="nodrag">Advanced</summary>
          {advanced.map(render)}
        </details>
      )}
    </div>
  );
});
