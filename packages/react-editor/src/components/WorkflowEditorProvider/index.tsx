import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { EditorContext, type EditorContextValue } from '../../hooks/EditorContext';
import { fromWorkflow } from '../../store/convert';
import { type EditorCallbacks, createEditorController } from '../../store/createEditorController';
import { createEditorStore } from '../../store/createEditorStore';
import type { WorkflowEditorProviderProps } from './types';

export type { WorkflowEditorProviderProps } from './types';

const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Holds one editor: its own store (never shared between editors), its controller and the
 * React Flow context. Hosts that build their own chrome render the canvas and panels
 * inside it and use the headless hooks.
 */
export function WorkflowEditorProvider(props: WorkflowEditorProviderProps) {
  const { registry, client, workflowId, readOnly = false, historyLimit = 100, children } = props;
  const draftKey =
    props.draftKey === false ? undefined : (props.draftKey ?? (workflowId ? `galaxyflow:draft:${workflowId}` : undefined));

  const [store] = useState(() => {
    const start = props.value ?? props.initialWorkflow;
    return createEditorStore({
      registry,
      readOnly,
      historyLimit,
      ...(start && !workflowId ? { initial: fromWorkflow(start) } : {}),
    });
  });
  // Seeded while rendering, so nodes drawn on the first render already know what the host takes.
  const [callbacks] = useState<EditorCallbacks>(() => ({ onOpenWorkflow: props.onOpenWorkflow }));
  useIsomorphicLayoutEffect(() => {
    callbacks.onChange = props.onChange;
    callbacks.onSave = props.onSave;
    callbacks.onRunFinish = props.onRunFinish;
    callbacks.onOpenWorkflow = props.onOpenWorkflow;
  });

  const controller = useMemo(
    () => createEditorController({ store, client, workflowId, draftKey, callbacks }),
    [store, client, workflowId, draftKey, callbacks],
  );

  // Runs once per controller; later `value` changes are handled by the next effect.
  // biome-ignore lint/correctness/useExhaustiveDependencies: props.value is read once here on purpose
  useEffect(() => {
    const stop = controller.start();
    if (client && workflowId) void controller.load();
    else {
      store.getState().actions.patch({ workflowId });
      controller.validateNow();
      const start = store.getState();
      // Uncontrolled local editing: a draft from an earlier visit may wait under the key.
      if (draftKey && props.value === undefined) controller.setInitial({ nodes: start.nodes, edges: start.edges });
    }
    return stop;
  }, [controller, client, workflowId, store, draftKey]);

  useEffect(() => {
    if (props.value !== undefined) controller.setValue(props.value);
  }, [controller, props.value]);

  useEffect(() => {
    store.getState().actions.patch({ readOnly });
  }, [store, readOnly]);

  useEffect(() => {
    if (store.getState().registry !== registry) {
      store.getState().actions.patch({ registry });
      controller.validateNow();
    }
  }, [store, controller, registry]);

  const context = useMemo<EditorContextValue>(() => ({ store, controller }), [store, controller]);
  return (
    <EditorContext.Provider value={context}>
      <ReactFlowProvider>{children}</ReactFlowProvider>
    </EditorContext.Provider>
  );
}
