import { type WorkflowChoice, workflowInterface } from '@galaxyflow/engine';
import { useId, useState } from 'react';
import type { EditorNodeData } from '../../types';
import { useNodeCanvas } from '../WorkflowNode/useNodeCanvas';

export interface WorkflowPickerProps {
  nodeId: string;
  data: EditorNodeData;
  readOnly: boolean;
  /**
   * `ports`: a Workflow node, whose ports are the picked workflow's Inputs and Outputs, stored
   * in its data; `ref`: a Map node, which keeps only the reference. Default `ports`.
   */
  mode?: 'ports' | 'ref';
}

const INTERACTIVE = 'nodrag nowheel nopan';

/**
 * Picks the saved workflow (and its version) a Workflow or Map node runs, from the user's
 * workflows as the client lists them, and offers to open it when the host takes such requests.
 */
export function WorkflowPicker({ nodeId, data, readOnly, mode = 'ports' }: WorkflowPickerProps) {
  const { controller, actions } = useNodeCanvas();
  const client = controller.client;
  const baseId = useId();
  const [choices, setChoices] = useState<WorkflowChoice[] | null>(null);
  const [picked, setPicked] = useState('');
  const [version, setVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const workflowId = typeof data.workflowId === 'string' ? data.workflowId : '';
  const pinned = typeof data.version === 'number' ? data.version : undefined;
  const name = typeof data.name === 'string' && data.name ? data.name : workflowId;
  const canList = typeof client?.listWorkflows === 'function';

  async function browse(): Promise<void> {
    if (!client?.listWorkflows) return;
    setBusy(true);
    setError(null);
    try {
      const list = await client.listWorkflows();
      setChoices(list);
      const current = list.find((choice) => choice.id === workflowId) ?? list[0];
      setPicked(current?.id ?? '');
      setVersion(current ? (current.id === workflowId && pinned ? pinned : current.version) : 0);
    } catch (cause) {
      setError(`Your workflows could not be listed: ${(cause as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function use(): Promise<void> {
    const choice = choices?.find((c) => c.id === picked);
    if (!client || !choice || version < 1) return;
    setBusy(true);
    setError(null);
    try {
      const patch: EditorNodeData = { workflowId: choice.id, version };
      if (mode === 'ports') {
        const stored = client.getWorkflowVersion
          ? await client.getWorkflowVersion(choice.id, version)
          : await client.getWorkflow(choice.id);
        const ports = workflowInterface(stored.workflow);
        patch.name = choice.name ?? choice.id;
        patch.inputs = ports.inputs;
        patch.outputs = ports.outputs;
      }
      actions.updateNodeData(nodeId, patch);
      setChoices(null);
    } catch (cause) {
      setError(`That version could not be read: ${(cause as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  const choice = choices?.find((c) => c.id === picked);
  return (
    <div className="gf-workflow-pick">
      <div className="gf-workflow-pick__current">
        <span data-testid={`gf-workflow-pick-${nodeId}`}>
          {workflowId ? `${name} · v${pinned ?? '?'}` : 'No workflow picked'}
        </span>
        {workflowId && pinned !== undefined && controller.canOpenWorkflow() && (
          <button
            type="button"
            className={`gf-button gf-button--small ${INTERACTIVE}`}
            onClick={() => controller.openWorkflow({ workflowId, version: pinned })}
          >
            Open
          </button>
        )}
        {!readOnly && canList && choices === null && (
          <button
            type="button"
            className={`gf-button gf-button--small ${INTERACTIVE}`}
            disabled={busy}
            onClick={() => void browse()}
          >
            {workflowId ? 'Change…' : 'Pick a workflow…'}
          </button>
        )}
      </div>
      {!canList && !workflowId && (
        <span className="gf-field__help">This host lists no saved workflows.</span>
      )}
      {choices !== null && choices.length === 0 && (
        <span className="gf-field__help">You have no saved workflows yet.</span>
      )}
      {choices !== null && choices.length > 0 && (
        <div className="gf-workflow-pick__form">
          <label className="gf-field__label" htmlFor={`${baseId}-workflow`}>
            Workflow
          </label>
          <select
            id={`${baseId}-workflow`}
            className={`gf-field__input ${INTERACTIVE}`}
            value={picked}
            onChange={(event) => {
              setPicked(event.target.value);
              setVersion(choices.find((c) => c.id === event.target.value)?.version ?? 0);
            }}
          >
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name ?? c.id}
              </option>
            ))}
          </select>
          <label className="gf-field__label" htmlFor={`${baseId}-version`}>
            Version
          </label>
          <select
            id={`${baseId}-version`}
            className={`gf-field__input ${INTERACTIVE}`}
            value={version}
            onChange={(event) => setVersion(Number(event.target.value))}
          >
            {Array.from({ length: choice?.version ?? 0 }, (_, i) => (choice?.version ?? 0) - i).map(
              (v) => (
                <option key={v} value={v}>
                  {v === choice?.version ? `v${v} (latest)` : `v${v}`}
                </option>
              ),
            )}
          </select>
          <div className="gf-workflow-pick__actions">
            <button
              type="button"
              className={`gf-button gf-button--small ${INTERACTIVE}`}
              disabled={busy || !choice}
              onClick={() => void use()}
            >
              Use
            </button>
            <button
              type="button"
              className={`gf-button gf-button--small ${INTERACTIVE}`}
              onClick={() => setChoices(null)}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <span className="gf-field__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
