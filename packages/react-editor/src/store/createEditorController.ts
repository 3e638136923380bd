import {
  type ExecuteInput,
  providerIssues,
  type RunEvent,
  type StoredWorkflowVersion,
  stableStringify,
  validateWorkflow,
  type Workflow,
  type WorkflowInput,
  type WorkflowRef,
  WorkflowSchema,
} from '@galaxyflow/engine';
import { conflictOf } from '../client/conflict';
import type { EditorClient } from '../client/types';
import { clearDraft, type Draft, readDraft, writeDraft } from '../draft/draftStorage';
import type { EditorDocument, RunView } from '../types';
import { fromWorkflow, sameWorkflowContent, toWorkflow } from './convert';
import type { EditorState, EditorStore } from './createEditorStore';
import { documentOf, sameDocument, sameSemantics } from './documentEquality';
import { isRunActive, runViewFromSnapshot } from './runReducer';

/** What a save reports to the host. */
export interface SavedWorkflow {
  workflow: Workflow;
  /** The new server version, when saved through a client. */
  version?: number;
}

/** Host callbacks; read at call time, so a re-render with new callbacks takes effect at once. */
export interface EditorCallbacks {
  onChange?: ((workflow: Workflow) => void) | undefined;
  onSave?: ((result: SavedWorkflow) => void) | undefined;
  onRunFinish?: ((run: RunView) => void) | undefined;
  onOpenWorkflow?: ((ref: WorkflowRef) => void) | undefined;
}

export interface EditorControllerOptions {
  store: EditorStore;
  client?: EditorClient | undefined;
  workflowId?: string | undefined;
  /** Local-storage key of the draft; undefined disables drafts. */
  draftKey?: string | undefined;
  callbacks: EditorCallbacks;
  /** Delay before re-validating after an edit, in ms. Default 150. */
  validateDelayMs?: number;
  /** Delay before writing the draft after an edit, in ms. Default 500. */
  draftDelayMs?: number;
}

/** The editor's side effects: loading, saving, running, drafts. One per editor. */
export interface EditorController {
  readonly client: EditorClient | undefined;
  /** Loads the workflow from the client (connected mode). */
  load(): Promise<void>;
  /** Saves; `overwrite` replaces a newer server version after a conflict. Resolves true when saved. */
  save(options?: { overwrite?: boolean }): Promise<boolean>;
  /** Replaces the document with the server's version (undoable). */
  reload(): Promise<void>;
  /** Validates, then runs the workflow, or only up to `targetNodeId`. */
  run(options?: { targetNodeId?: string }): Promise<void>;
  cancelRun(): Promise<void>;
  /** Whether the client can list, read and restore saved versions (and a workflow is loaded). */
  readonly hasVersions: boolean;
  /** One saved version with its graph; versions never change, so each is fetched once. */
  loadVersion(version: number): Promise<StoredWorkflowVersion>;
  /** Highlights on the canvas what changed since `version`; null ends the comparison. */
  compareVersion(version: number | null): Promise<void>;
  /**
   * Makes `version` current through the server's restore (a new version) and puts its graph
   * on the canvas as one undo step. Resolves true when restored.
   */
  restoreVersion(version: number): Promise<boolean>;
  /** Paints a past run onto the canvas. */
  openRun(runId: string): Promise<void>;
  clearRun(): void;
  restoreDraft(): void;
  discardDraft(): void;
  /** The workflow as pretty JSON. */
  exportJson(): string;
  /** Replaces the document with a workflow from JSON (undoable); false with a notice when invalid. */
  importJson(text: string): boolean;
  /** Validates the document now (otherwise it happens shortly after each edit). */
  validateNow(): void;
  /**
   * Sets the controlled value: replaces the document (one undo step; a fresh history on an
   * empty canvas) unless it is what the editor last emitted. Never calls `onChange`.
   */
  setValue(value: WorkflowInput): void;
  /** Loads a workflow as the saved baseline, with a fresh history. */
  setInitial(workflow: WorkflowInput, version?: number): void;
  /** Starts following the store (validation, drafts, onChange); returns `stop`. */
  start(): () => void;
  /** Asks the host to open a saved workflow (a Workflow node's "Open"); false when the host takes no such requests. */
  openWorkflow(ref: WorkflowRef): boolean;
  /** Whether the host takes requests to open a saved workflow (`onOpenWorkflow`). */
  canOpenWorkflow(): boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createEditorController(options: EditorControllerOptions): EditorController {
  const { store, client, workflowId, draftKey, callbacks } = options;
  const validateDelay = options.validateDelayMs ?? 150;
  const draftDelay = options.draftDelayMs ?? 500;
  const actions = () => store.getState().actions;
  let disposed = false;
  let unsubscribeRun: (() => void) | null = null;
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let draftTimer: ReturnType<typeof setTimeout> | undefined;
  let validated: EditorDocument | null = null;
  let emitted: { document: EditorDocument; workflow: Workflow } | null = null;
  let lastValue: WorkflowInput | null = null;

  const validateNow = () => {
    clearTimeout(validateTimer);
    const state = store.getState();
    validated = documentOf(state);
    if (state.nodes.length === 0) {
      actions().setIssues([]);
      return;
    }
    actions().setIssues(issuesOf(toWorkflow(state)));
  };

  /** The engine's issues, and nodes naming a provider the server lacks (once it said which it has). */
  function issuesOf(workflow: Workflow, targetNodeIds?: string[]) {
    const state = store.getState();
    const { issues } = validateWorkflow(workflow, state.registry, targetNodeIds ? { targetNodeIds } : {});
    return state.providers ? [...issues, ...providerIssues(workflow, state.registry, state.providers)] : issues;
  }

  const loadProviders = async () => {
    if (!client?.listProviders) return;
    try {
      const providers = await client.listProviders();
      if (disposed) return;
      actions().patch({ providers });
      if (store.getState().nodes.length > 0) validateNow();
    } catch {
      // Without the list the field offers the built-ins and Run reports a missing provider itself.
    }
  };

  const isDirty = () => {
    const state = store.getState();
    return !sameDocument(state.savedDocument, state);
  };

  const writeDraftNow = () => {
    clearTimeout(draftTimer);
    draftTimer = undefined;
    if (!draftKey || disposed) return;
    const state = store.getState();
    // While a found draft waits for an answer, it must not be overwritten.
    if (state.draftOffer) return;
    if (!isDirty()) {
      clearDraft(draftKey);
      return;
    }
    writeDraft(draftKey, {
      savedAt: Date.now(),
      ...(state.version !== undefined ? { baseVersion: state.version } : {}),
      workflow: toWorkflow(state),
    });
  };

  const onStoreChange = (state: EditorState, previous: EditorState) => {
    if (state.nodes === previous.nodes && state.edges === previous.edges && state.settings === previous.settings) {
      if (state.savedDocument !== previous.savedDocument && draftKey) writeDraftNow();
      return;
    }
    if (!validated || !sameSemantics(validated, state)) {
      clearTimeout(validateTimer);
      validateTimer = setTimeout(validateNow, validateDelay);
    }
    // Measuring and selecting replace node objects without editing anything: neither a draft
    // to write nor a change to report (React Flow measures every node once on mount).
    const edited = !sameDocument(previous, state);
    if (draftKey && edited) {
      clearTimeout(draftTimer);
      draftTimer = setTimeout(writeDraftNow, draftDelay);
    }
    if (callbacks.onChange && edited && !(emitted && sameDocument(emitted.document, state))) {
      const workflow = toWorkflow(state);
      emitted = { document: documentOf(state), workflow };
      callbacks.onChange(workflow);
    }
  };
  let unsubscribeStore: (() => void) | null = null;

  /**
   * Writes a pending draft as soon as the page may go away. Closing or reloading the tab, or
   * the browser killing a hidden one, never unmounts React, so the unmount flush alone would
   * lose up to `draftDelayMs` of typing. `visibilitychange` to hidden is the last event a
   * mobile browser reliably delivers; `pagehide` covers reloads and bfcache. Subscribed
   * here, not at import, so server rendering never touches `window`.
   */
  const flushDraftWhenLeaving = (): (() => void) => {
    if (!draftKey || typeof window === 'undefined' || typeof document === 'undefined') return () => {};
    const flush = () => {
      if (draftTimer !== undefined) writeDraftNow();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  };

  /** Offers a draft read before the load replaced the document (the load marks it clean). */
  const offerDraft = (draft: Draft | null, loaded: WorkflowInput) => {
    if (!draftKey || !draft) return;
    if (sameWorkflowContent(draft.workflow, loaded)) {
      clearDraft(draftKey);
      return;
    }
    actions().patch({ draftOffer: draft });
  };

  const setInitial = (workflow: WorkflowInput, version?: number) => {
    const document = fromWorkflow(workflow, store.getState().nodes);
    actions().replaceDocument(document, { resetHistory: true });
    actions().markSaved(document, version);
    validateNow();
  };

  const finishRun = (run: RunView) => {
    unsubscribeRun?.();
    unsubscribeRun = null;
    callbacks.onRunFinish?.(run);
  };

  const follow = (runId: string) => {
    unsubscribeRun?.();
    if (!client) return;
    unsubscribeRun = client.subscribe(runId, (event: RunEvent) => {
      if (disposed) return;
      actions().applyRunEvent(event);
      if (event.type === 'run:finish') {
        const run = store.getState().run;
        if (run && run.runId === runId) finishRun(run);
      }
    });
  };

  /** The save in flight, if any. */
  let inFlightSave: Promise<boolean> | undefined;
  const versionCache = new Map<number, Promise<StoredWorkflowVersion>>();
  const hasVersions = Boolean(workflowId && client?.listVersions && client.getVersion && client.restoreVersion);

  const controller: EditorController = {
    canOpenWorkflow: () => callbacks.onOpenWorkflow !== undefined,
    openWorkflow(ref) {
      if (!callbacks.onOpenWorkflow) return false;
      callbacks.onOpenWorkflow(ref);
      return true;
    },
    client,
    hasVersions,
    loadVersion(version) {
      if (!client?.getVersion || !workflowId) return Promise.reject(new Error('This editor has no client to read versions with.'));
      let pending = versionCache.get(version);
      if (!pending) {
        pending = client.getVersion(workflowId, version);
        versionCache.set(version, pending);
        // A failed read is not kept: the next try asks again.
        pending.catch(() => versionCache.delete(version));
      }
      return pending;
    },

    async compareVersion(version) {
      if (version === null) {
        actions().patch({ compare: null });
        return;
      }
      try {
        const stored = await controller.loadVersion(version);
        if (disposed) return;
        actions().patch({ compare: { version, workflow: stored.workflow } });
      } catch (error) {
        actions().notify('error', `Could not open version ${version}: ${message(error)}`);
      }
    },

    async restoreVersion(version) {
      if (!client?.restoreVersion || !workflowId) return false;
      const state = store.getState();
      if (state.readOnly) return false;
      try {
        const stored = await client.restoreVersion(workflowId, version, state.version);
        if (disposed) return false;
        const document = fromWorkflow(stored.workflow, store.getState().nodes);
        // One undo step: Ctrl+Z puts back what the canvas held (to be saved again if wanted).
        actions().replaceDocument(document, { fitView: true });
        actions().markSaved(document, stored.version);
        actions().patch({ saveStatus: 'idle', saveError: undefined, conflictVersion: undefined, compare: null });
        validateNow();
        actions().notify('success', `Restored version ${version} as version ${stored.version}. Undo puts the canvas back.`);
        return true;
      } catch (error) {
        if (disposed) return false;
        const conflict = conflictOf(error);
        if (conflict) actions().patch({ saveStatus: 'conflict', conflictVersion: conflict.currentVersion });
        else actions().notify('error', `Could not restore version ${version}: ${message(error)}`);
        return false;
      }
    },
    async load() {
      if (!client || !workflowId) return;
      actions().patch({ saveStatus: 'loading', workflowId });
      try {
        const stored = await client.getWorkflow(workflowId);
        if (disposed) return;
        const draft = draftKey ? readDraft(draftKey) : null;
        setInitial(stored.workflow, stored.version);
        actions().patch({ saveStatus: 'idle', saveError: undefined });
        offerDraft(draft, stored.workflow);
      } catch (error) {
        if (disposed) return;
        actions().patch({ saveStatus: 'error', saveError: `Could not load the workflow: ${message(error)}` });
      }
    },

    save(saveOptions) {
      // A second Save, or a Run that saves first, waits for the save in flight instead of
      // being dropped (Ctrl+S then Run at once used to run nothing).
      if (inFlightSave) return inFlightSave;
      const saving = (async () => {
        const state = store.getState();
        if (state.readOnly) return false;
        const document = documentOf(state);
        const workflow = toWorkflow(document);
        if (!client || !workflowId) {
          actions().markSaved(document);
          if (draftKey) clearDraft(draftKey);
          callbacks.onSave?.({ workflow });
          return true;
        }
        actions().patch({ saveStatus: 'saving', saveError: undefined });
        try {
          let expectedVersion = state.version;
          if (saveOptions?.overwrite) {
            expectedVersion = state.conflictVersion ?? (await client.getWorkflow(workflowId)).version;
          }
          const stored = await client.saveWorkflow({
            id: workflowId,
            workflow,
            ...(expectedVersion !== undefined ? { expectedVersion } : {}),
          });
          if (disposed) return true;
          actions().markSaved(document, stored.version);
          actions().patch({ saveStatus: 'idle', conflictVersion: undefined });
          if (draftKey) clearDraft(draftKey);
          actions().notify('success', 'Saved.');
          callbacks.onSave?.({ workflow, version: stored.version });
          return true;
        } catch (error) {
          if (disposed) return false;
          const conflict = conflictOf(error);
          if (conflict) {
            actions().patch({ saveStatus: 'conflict', conflictVersion: conflict.currentVersion });
          } else {
            actions().patch({ saveStatus: 'error', saveError: `Could not save: ${message(error)}` });
            actions().notify('error', `Could not save: ${message(error)}`);
          }
          return false;
        }
      })();
      inFlightSave = saving;
      void saving.finally(() => {
        if (inFlightSave === saving) inFlightSave = undefined;
      });
      return saving;
    },

    async reload() {
      if (!client || !workflowId) return;
      try {
        const stored = await client.getWorkflow(workflowId);
        if (disposed) return;
        const document = fromWorkflow(stored.workflow, store.getState().nodes);
        // Undoable: the user's own version stays one Ctrl+Z away.
        actions().replaceDocument(document);
        actions().markSaved(document, stored.version);
        actions().patch({ saveStatus: 'idle', conflictVersion: undefined });
        validateNow();
      } catch (error) {
        actions().notify('error', `Could not reload: ${message(error)}`);
      }
    },

    async run(runOptions) {
      const state = store.getState();
      if (!client) {
        actions().notify('error', 'This editor has no client to run workflows with.');
        return;
      }
      if (isRunActive(state.run)) return;
      const workflow = toWorkflow(state);
      const targetNodeIds = runOptions?.targetNodeId ? [runOptions.targetNodeId] : undefined;
      const issues = issuesOf(workflow, targetNodeIds);
      if (issues.length > 0) {
        actions().setIssues(issues);
        actions().openPanel('issues');
        return;
      }
      const previous = state.run;
      const request: ExecuteInput = {};
      if (workflowId) {
        // Unsaved edits are saved first, so the run is of exactly what is on the canvas and
        // points at an immutable version in the workflow's history. A conflict or a failed
        // save is shown as on Save, and nothing runs.
        // Twice at most: edits typed while a save was in flight need one more.
        for (let tries = 0; tries < 2 && isDirty(); tries++) {
          if (!(await controller.save()) || disposed) return;
        }
        if (disposed) return;
        request.workflowId = workflowId;
      } else {
        request.nodes = workflow.nodes;
        request.edges = workflow.edges;
        if (workflow.settings) request.settings = workflow.settings;
      }
      if (targetNodeIds) {
        request.targetNodeIds = targetNodeIds;
        if (previous?.runId) request.reuseRunId = previous.runId;
      }
      const view: RunView = {
        runId: '',
        origin: 'live',
        phase: 'starting',
        // A partial run leaves the rest of the canvas showing the last outputs.
        nodes: targetNodeIds && previous ? previous.nodes : {},
        logs: [],
        ...(targetNodeIds ? { targetNodeIds } : {}),
      };
      actions().setRun(view);
      try {
        const { runId } = await client.execute(request);
        if (disposed) return;
        const current = store.getState().run;
        if (current !== null && current.phase === 'CANCELED' && current.runId === '') {
          // Canceled before the server answered.
          await client.cancel(runId);
          return;
        }
        actions().setRun({ ...(current ?? view), runId });
        follow(runId);
      } catch (error) {
        if (disposed) return;
        actions().setRun({
          ...view,
          phase: 'FAILED',
          error: { code: 'E_EXECUTE', message: `Could not start the run: ${message(error)}`, retryable: false },
        });
        actions().notify('error', `Could not start the run: ${message(error)}`);
      }
    },

    async cancelRun() {
      const run = store.getState().run;
      if (!client || !run || !isRunActive(run)) return;
      if (!run.runId) {
        actions().setRun({ ...run, phase: 'CANCELED' });
        return;
      }
      try {
        await client.cancel(run.runId);
      } catch (error) {
        actions().notify('error', `Could not cancel: ${message(error)}`);
      }
    },

    async openRun(runId) {
      if (!client) return;
      try {
        const record = await client.getRun(runId);
        if (disposed) return;
        unsubscribeRun?.();
        unsubscribeRun = null;
        const view = runViewFromSnapshot(record);
        actions().setRun(view);
        if (record.status === 'QUEUED' || record.status === 'RUNNING') {
          actions().setRun({ ...view, origin: 'live' });
          follow(runId);
        }
      } catch (error) {
        actions().notify('error', `Could not open the run: ${message(error)}`);
      }
    },

    clearRun() {
      if (isRunActive(store.getState().run)) return;
      actions().setRun(null);
    },

    restoreDraft() {
      const { draftOffer } = store.getState();
      if (!draftOffer) return;
      actions().patch({ draftOffer: null });
      actions().replaceDocument(fromWorkflow(draftOffer.workflow, store.getState().nodes), { fitView: true });
      validateNow();
      writeDraftNow();
    },

    discardDraft() {
      actions().patch({ draftOffer: null });
      if (draftKey) clearDraft(draftKey);
    },

    exportJson() {
      return JSON.stringify(toWorkflow(store.getState()), null, 2);
    },

    importJson(text) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        actions().notify('error', `The file is not JSON: ${message(error)}`);
        return false;
      }
      const result = WorkflowSchema.safeParse(parsed);
      if (!result.success) {
        const first = result.error.issues[0];
        actions().notify('error', `The file is not a workflow: ${first ? `${first.path.join('.')} ${first.message}` : ''}`);
        return false;
      }
      actions().replaceDocument(fromWorkflow(result.data), { fitView: true });
      validateNow();
      actions().notify('info', `Imported ${result.data.nodes.length} nodes.`);
      return true;
    },

    validateNow,

    setValue(value) {
      if (value === lastValue) return;
      lastValue = value;
      if (emitted && (value === emitted.workflow || stableStringify(value) === stableStringify(emitted.workflow))) return;
      const state = store.getState();
      const document = fromWorkflow(value, state.nodes);
      if (sameDocument(document, state)) return;
      // Marked as emitted before the store changes: the host's own value is not an edit to
      // report back through onChange (controlled inputs never echo their `value`).
      emitted = { document, workflow: toWorkflow(document) };
      // The first value fills an empty canvas with a fresh history; a later one replaces the
      // canvas as one undo step, so the user can take back what the host swapped in.
      if (state.nodes.length === 0 && state.edges.length === 0) actions().replaceDocument(document, { resetHistory: true });
      else actions().replaceDocument(document);
      validateNow();
    },

    setInitial(workflow, version) {
      const draft = draftKey ? readDraft(draftKey) : null;
      setInitial(workflow, version);
      offerDraft(draft, workflow);
    },

    start() {
      disposed = false;
      unsubscribeStore?.();
      unsubscribeStore = store.subscribe(onStoreChange);
      const stopFlushing = flushDraftWhenLeaving();
      if (store.getState().providers === undefined) void loadProviders();
      return () => {
        stopFlushing();
        // A pending draft is written now: an editor closed in the page must not lose the last edits.
        if (draftTimer !== undefined) writeDraftNow();
        disposed = true;
        clearTimeout(validateTimer);
        clearTimeout(draftTimer);
        draftTimer = undefined;
        unsubscribeStore?.();
        unsubscribeStore = null;
        unsubscribeRun?.();
        unsubscribeRun = null;
      };
    },
  };
  return controller;
}
