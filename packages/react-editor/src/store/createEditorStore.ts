import {
  type ConnectionCheck,
  type ConnectionInput,
  inputPortsOf,
  isNoteNode,
  NOTE_NODE_TYPE,
  type NodeRegistry,
  outputPortsOf,
  type ProviderList,
  type RunEvent,
  type ValidationIssue,
  type WorkflowInput,
} from '@galaxyflow/engine';
import {
  applyEdgeChanges,
  applyNodeChanges,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { temporal } from 'zundo';
import { createStore } from 'zustand/vanilla';
import type { Draft } from '../draft/draftStorage';
import { editorErrorMessages } from '../errors';
import { tidyLayout } from '../layout/tidyLayout';
import type { EditorDocument, EditorEdge, EditorNode, EditorNodeData, RunView } from '../types';
import { type ClipboardPayload, copyPayload, materializePaste } from './clipboard';
import { documentOf, sameDocument } from './documentEquality';
import { createId } from './ids';
import { defaultDataOf, parsedDataOf } from './nodeData';
import { applyRunEvent } from './runReducer';
import { validateConnectionFor } from './validation';

/** A short message the editor shows over the canvas. */
export interface Notice {
  id: number;
  tone: 'info' | 'success' | 'error';
  message: string;
}

/** Where the editor is with the server copy of the workflow. */
export type SaveStatus = 'idle' | 'loading' | 'saving' | 'conflict' | 'error';

/** A side panel of the editor. */
export type EditorPanel = 'issues' | 'history' | 'versions' | 'help' | 'error' | 'usage';

/** How much room the editor has: `narrow` below 640 px wide. */
export type EditorLayout = 'wide' | 'narrow';

/** What a narrow editor shows. */
export type EditorView = 'canvas' | 'steps';

/** A saved version the canvas is compared with: what changed since is highlighted. */
export interface VersionComparison {
  version: number;
  workflow: WorkflowInput;
}

export interface EditorState extends EditorDocument {
  registry: NodeRegistry;
  readOnly: boolean;
  /** The workflow on the server, when connected. */
  workflowId: string | undefined;
  /** The server version the document is based on. */
  version: number | undefined;
  /** The document as last saved or loaded: the baseline of the dirty flag. */
  savedDocument: EditorDocument;
  saveStatus: SaveStatus;
  saveError: string | undefined;
  /** On a conflict: the version the server holds, when it said. */
  conflictVersion: number | undefined;
  /** A draft found in local storage that differs from what was loaded. */
  draftOffer: Draft | null;
  issues: ValidationIssue[];
  issuesByNode: Record<string, ValidationIssue[]>;
  /** The providers the server configured, once the client said; undefined before, or without a client. */
  providers: ProviderList | undefined;
  run: RunView | null;
  notice: Notice | null;
  panel: EditorPanel | null;
  /** The node whose error detail is open. */
  errorNodeId: string | null;
  /** `narrow` when the editor is phone-wide: one column, the toolbar's extras in its menu. */
  layout: EditorLayout;
  /** What a narrow editor shows: the canvas, or the nodes as a list with their run state. */
  view: EditorView;
  /**
   * The node a narrow editor's list of steps pointed out on the canvas ("Show on canvas"): it
   * is selected, and its settings stay closed until it is tapped. Null otherwise.
   */
  pointedOutNodeId: string | null;
  /** The saved version the canvas is being compared with, in the Versions panel. */
  compare: VersionComparison | null;
  /** Bumped when a whole new document arrives (load, import): the canvas fits it into view. */
  viewEpoch: number;
  actions: EditorActions;
}

export interface EditorActions {
  onNodesChange(changes: NodeChange<EditorNode>[]): void;
  onEdgesChange(changes: EdgeChange<EditorEdge>[]): void;
  /** Starts a gesture (a drag): every change until `endGesture` is one undo step. */
  beginGesture(key: string): void;
  endGesture(): void;
  /** Adds an edge if the engine accepts it; returns the engine's verdict. */
  connect(connection: ConnectionInput): ConnectionCheck;
  /** Adds a node of a registered type with its default data; returns its id. */
  addNode(type: string, position: XYPosition, data?: EditorNodeData): string | null;
  /**
   * Merges `patch` into a node's data (`undefined` removes a key). Calls with the same
   * `burst` key in quick succession (typing) make one undo step.
   */
  updateNodeData(id: string, patch: EditorNodeData, options?: { burst?: string }): void;
  /** Ends a typing burst, e.g. when a field loses focus. */
  endBurst(): void;
  deleteSelection(): void;
  deleteNodes(ids: readonly string[]): void;
  /** Removes these connections as one undo step. */
  deleteEdges(ids: readonly string[]): void;
  selectAll(): void;
  clearSelection(): void;
  selectNode(id: string): void;
  copySelection(): ClipboardPayload | null;
  cutSelection(): ClipboardPayload | null;
  /**
   * Pastes with fresh ids, shifted by `offset`. Default: 40px right and down of the
   * originals, and 40px further for each copy already there, so pasting the same clipboard
   * again never stacks a copy exactly on the last one.
   */
  paste(payload: ClipboardPayload, offset?: XYPosition): string[];
  duplicateSelection(): string[];
  /**
   * Replaces the document: one undo step, or a fresh history with `resetHistory`. The
   * canvas fits the new document into view with `resetHistory` or `fitView`.
   */
  replaceDocument(
    document: EditorDocument,
    options?: { resetHistory?: boolean; fitView?: boolean },
  ): void;
  /** Lays out every node in layers, left to right, as one undo step. */
  tidyUp(): void;
  undo(): void;
  redo(): void;
  markSaved(document: EditorDocument, version?: number): void;
  setIssues(issues: ValidationIssue[]): void;
  setRun(run: RunView | null): void;
  applyRunEvent(event: RunEvent): void;
  notify(tone: Notice['tone'], message: string): void;
  dismissNotice(): void;
  openPanel(panel: EditorPanel | null): void;
  showError(nodeId: string | null): void;
  patch(state: Partial<Omit<EditorState, 'actions'>>): void;
}

export interface EditorStoreOptions {
  registry: NodeRegistry;
  /** Undo steps kept. Default 100. */
  historyLimit?: number;
  readOnly?: boolean;
  /** A pause longer than this ends a typing burst, in ms. Default 1000. */
  burstIdleMs?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  initial?: EditorDocument;
}

const EMPTY: EditorDocument = { nodes: [], edges: [], settings: undefined };
const NOTE_DATA = { text: '', color: 'yellow' };
const PASTE_OFFSET = { x: 40, y: 40 };
/** Beyond this many copies in a row the cascade stops growing (it is off-screen by then anyway). */
const MAX_PASTE_STEPS = 50;
const DEFAULT_SIZE = { width: 260, height: 160 };

function issuesByNodeOf(issues: readonly ValidationIssue[]): Record<string, ValidationIssue[]> {
  const byNode: Record<string, ValidationIssue[]> = {};
  for (const issue of issues) {
    const ids = new Set([
      ...(issue.nodeId !== undefined ? [issue.nodeId] : []),
      ...(issue.nodeIds ?? []),
    ]);
    for (const id of ids) {
      const list = byNode[id];
      if (list) list.push(issue);
      else byNode[id] = [issue];
    }
  }
  return byNode;
}

/**
 * The offset of the next paste of `payload`: one step right and down, plus one more for each
 * earlier copy still sitting at the spot, as Figma and React Flow's examples cascade. A spot
 * is taken when a node of the same type lies within half a step of where the payload's first
 * node would land; a copy moved away or undone frees its spot. Looking at the canvas, rather
 * than counting pastes, keeps undo, cut and pastes from another editor consistent.
 */
function cascadeOffset(payload: ClipboardPayload, nodes: readonly EditorNode[]): XYPosition {
  const anchor = payload.nodes[0];
  if (!anchor) return PASTE_OFFSET;
  const origin = anchor.position ?? { x: 0, y: 0 };
  const near = (x: number, y: number) =>
    nodes.some(
      (node) =>
        node.type === anchor.type &&
        Math.abs(node.position.x - x) < PASTE_OFFSET.x / 2 &&
        Math.abs(node.position.y - y) < PASTE_OFFSET.y / 2,
    );
  let step = 1;
  while (
    step < MAX_PASTE_STEPS &&
    near(origin.x + step * PASTE_OFFSET.x, origin.y + step * PASTE_OFFSET.y)
  )
    step += 1;
  return { x: step * PASTE_OFFSET.x, y: step * PASTE_OFFSET.y };
}

function portKeys(ports: Record<string, unknown>): string {
  return Object.keys(ports).join('\u0000');
}

function setSelected<T extends { id: string; selected?: boolean }>(
  items: T[],
  selected: (item: T) => boolean,
): T[] {
  let changed = false;
  const next = items.map((item) => {
    const want = selected(item);
    if (Boolean(item.selected) === want) return item;
    changed = true;
    return { ...item, selected: want };
  });
  return changed ? next : items;
}

/**
 * One editor's state: the document (nodes, edges, settings) under undo history, and the
 * view state around it (run, issues, panels). Each `<WorkflowEditor>` makes its own.
 *
 * History semantics: a discrete edit (add, connect, delete, paste) is one step; a drag
 * gesture is one step; a burst of typing in one field is one step; selection, measuring
 * and the viewport are never steps. At most `historyLimit` steps are kept.
 */
export function createEditorStore(options: EditorStoreOptions) {
  const limit = options.historyLimit ?? 100;
  const idleMs = options.burstIdleMs ?? 1_000;
  const now = options.now ?? Date.now;
  const initial = options.initial ?? EMPTY;
  let noticeId = 0;

  let burst: {
    key: string;
    snapshot: EditorDocument;
    recorded: boolean;
    at: number;
    sticky: boolean;
  } | null = null;

  const store = createStore<EditorState>()(
    temporal(
      (set, get) => {
        const editable = () => !get().readOnly;

        /** Runs a change as part of the current burst: the pre-burst document is the one undo step. */
        const inBurst = (key: string, sticky: boolean, mutate: () => void) => {
          const at = now();
          if (!burst || burst.key !== key || (!burst.sticky && at - burst.at > idleMs)) {
            burst = { key, snapshot: documentOf(get()), recorded: false, at, sticky };
          }
          burst.at = at;
          const temporalState = store.temporal.getState();
          const tracking = temporalState.isTracking;
          if (tracking) temporalState.pause();
          try {
            mutate();
          } finally {
            if (tracking) temporalState.resume();
          }
          if (tracking && !burst.recorded && !sameDocument(burst.snapshot, documentOf(get()))) {
            pushPast(burst.snapshot);
            burst.recorded = true;
          }
        };

        /** A discrete edit: ends any burst; zundo records the step. */
        const discrete = (mutate: () => void) => {
          burst = null;
          mutate();
        };

        const selectedIds = () =>
          new Set(
            get()
              .nodes.filter((node) => node.selected)
              .map((node) => node.id),
          );

        const keepSelection = (nodeIds: Set<string>, edgeIds: Set<string>) => {
          const { nodes, edges } = get();
          set({
            nodes: setSelected(nodes, (node) => nodeIds.has(node.id)),
            edges: setSelected(edges, (edge) => edgeIds.has(edge.id)),
          });
        };

        const removeNodes = (
          ids: ReadonlySet<string>,
          alsoEdges: ReadonlySet<string> = new Set(),
        ) => {
          const { nodes, edges } = get();
          set({
            nodes: nodes.filter((node) => !ids.has(node.id)),
            edges: edges.filter(
              (edge) => !ids.has(edge.source) && !ids.has(edge.target) && !alsoEdges.has(edge.id),
            ),
          });
        };

        const actions: EditorActions = {
          onNodesChange(changes) {
            const state = get();
            // Read-only editors still select and measure.
            const allowed = state.readOnly
              ? changes.filter((change) => change.type === 'select' || change.type === 'dimensions')
              : changes.filter((change) => change.type !== 'remove');
            if (allowed.length === 0) return;
            const apply = () => set({ nodes: applyNodeChanges(allowed, get().nodes) });
            const moves = allowed.some((change) => change.type === 'position' && change.position);
            if (!moves) apply();
            else if (burst?.sticky) inBurst(burst.key, true, apply);
            else inBurst('nudge', false, apply); // arrow keys move the selection in small steps
          },
          onEdgesChange(changes) {
            const allowed = changes.filter((change) => change.type === 'select');
            if (allowed.length > 0) set({ edges: applyEdgeChanges(allowed, get().edges) });
          },
          beginGesture(key) {
            if (!editable()) return;
            burst = { key, snapshot: documentOf(get()), recorded: false, at: now(), sticky: true };
          },
          endGesture() {
            if (burst?.sticky) burst = null;
            // A node left flagged as dragging stays mounted off-screen and keeps edges live.
            const { nodes } = get();
            if (nodes.some((node) => node.dragging)) {
              set({
                nodes: nodes.map((node) => (node.dragging ? { ...node, dragging: false } : node)),
              });
            }
          },
          connect(connection) {
            const state = get();
            if (state.readOnly) {
              return {
                ok: false,
                issue: { code: 'E_READ_ONLY', message: editorErrorMessages.E_READ_ONLY },
              };
            }
            const check = validateConnectionFor(state, connection, state.registry);
            if (!check.ok) return check;
            const edge: EditorEdge = {
              id: createId('e'),
              source: connection.source,
              target: connection.target,
              sourceHandle: connection.sourceHandle ?? '',
              targetHandle: connection.targetHandle ?? '',
            };
            discrete(() => set({ edges: [...get().edges, edge] }));
            return check;
          },
          addNode(type, position, data) {
            const state = get();
            const definition = state.registry.get(type);
            // Notes are no node type of the registry: they document the workflow and never run.
            const note = type === NOTE_NODE_TYPE;
            if ((!definition && !note) || state.readOnly) return null;
            const node: EditorNode = {
              id: createId('n'),
              type,
              position,
              data: { ...(definition ? defaultDataOf(definition) : NOTE_DATA), ...data },
              selected: true,
            };
            discrete(() =>
              set({
                nodes: [...setSelected(get().nodes, () => false), node],
                edges: setSelected(get().edges, () => false),
              }),
            );
            return node.id;
          },
          updateNodeData(id, patch, updateOptions) {
            if (!editable()) return;
            const mutate = () => {
              const { nodes, edges, registry } = get();
              const index = nodes.findIndex((node) => node.id === id);
              const node = nodes[index];
              if (!node) return;
              const data: EditorNodeData = { ...node.data };
              for (const [key, value] of Object.entries(patch)) {
                if (value === undefined) delete data[key];
                else data[key] = value;
              }
              const next = nodes.slice();
              next[index] = { ...node, data };
              const definition = registry.get(node.type);
              let nextEdges = edges;
              if (
                definition &&
                (typeof definition.inputs === 'function' ||
                  typeof definition.outputs === 'function')
              ) {
                // Ports derived from data (template placeholders) may vanish: their edges go too,
                // in the same undo step.
                const inputs = inputPortsOf(definition, parsedDataOf(definition, data));
                const outputs = outputPortsOf(definition, parsedDataOf(definition, data));
                const before = parsedDataOf(definition, node.data);
                if (
                  portKeys(inputs) !== portKeys(inputPortsOf(definition, before)) ||
                  portKeys(outputs) !== portKeys(outputPortsOf(definition, before))
                ) {
                  nextEdges = edges.filter(
                    (edge) =>
                      !(edge.target === id && !(edge.targetHandle in inputs)) &&
                      !(edge.source === id && !(edge.sourceHandle in outputs)),
                  );
                }
              }
              set(nextEdges === edges ? { nodes: next } : { nodes: next, edges: nextEdges });
            };
            if (updateOptions?.burst !== undefined)
              inBurst(`data:${id}:${updateOptions.burst}`, false, mutate);
            else discrete(mutate);
          },
          endBurst() {
            if (burst && !burst.sticky) burst = null;
          },
          deleteSelection() {
            if (!editable()) return;
            const { nodes, edges } = get();
            const ids = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
            const edgeIds = new Set(edges.filter((edge) => edge.selected).map((edge) => edge.id));
            if (ids.size === 0 && edgeIds.size === 0) return;
            discrete(() => removeNodes(ids, edgeIds));
          },
          deleteNodes(ids) {
            if (!editable() || ids.length === 0) return;
            discrete(() => removeNodes(new Set(ids)));
          },
          deleteEdges(ids) {
            if (!editable() || ids.length === 0) return;
            const gone = new Set(ids);
            discrete(() => set({ edges: get().edges.filter((edge) => !gone.has(edge.id)) }));
          },
          selectAll() {
            keepSelection(
              new Set(get().nodes.map((node) => node.id)),
              new Set(get().edges.map((edge) => edge.id)),
            );
          },
          clearSelection() {
            keepSelection(new Set(), new Set());
          },
          selectNode(id) {
            keepSelection(new Set([id]), new Set());
          },
          copySelection() {
            return copyPayload(get(), selectedIds());
          },
          cutSelection() {
            const payload = copyPayload(get(), selectedIds());
            if (payload && editable()) discrete(() => removeNodes(selectedIds()));
            return payload;
          },
          paste(payload, offset) {
            if (!editable()) return [];
            const { registry, nodes } = get();
            const known = {
              ...payload,
              nodes: payload.nodes.filter((node) => registry.has(node.type) || isNoteNode(node)),
            };
            if (known.nodes.length < payload.nodes.length) {
              actions.notify(
                'error',
                'Some copied nodes have types this editor does not know; they were left out.',
              );
            }
            const added = materializePaste(known, offset ?? cascadeOffset(known, nodes));
            if (added.nodes.length === 0) return [];
            discrete(() =>
              set({
                nodes: [...setSelected(get().nodes, () => false), ...added.nodes],
                edges: [...setSelected(get().edges, () => false), ...added.edges],
              }),
            );
            return added.nodes.map((node) => node.id);
          },
          duplicateSelection() {
            const payload = copyPayload(get(), selectedIds());
            return payload ? actions.paste(payload) : [];
          },
          replaceDocument(document, replaceOptions) {
            const viewEpoch =
              get().viewEpoch + (replaceOptions?.resetHistory || replaceOptions?.fitView ? 1 : 0);
            const next = {
              nodes: document.nodes,
              edges: document.edges,
              settings: document.settings,
              viewEpoch,
            };
            if (replaceOptions?.resetHistory) {
              burst = null;
              const temporalState = store.temporal.getState();
              temporalState.pause();
              set(next);
              temporalState.resume();
              temporalState.clear();
              return;
            }
            discrete(() => set(next));
          },
          tidyUp() {
            const { nodes, edges } = get();
            if (!editable() || nodes.length === 0) return;
            const positions = tidyLayout(
              nodes.map((node) => ({
                id: node.id,
                width: node.measured?.width ?? DEFAULT_SIZE.width,
                height: node.measured?.height ?? DEFAULT_SIZE.height,
                y: node.position.y,
              })),
              edges,
            );
            discrete(() =>
              set({
                nodes: nodes.map((node) => {
                  const position = positions.get(node.id);
                  return position ? { ...node, position } : node;
                }),
              }),
            );
          },
          undo() {
            burst = null;
            const nodeIds = selectedIds();
            const edgeIds = new Set(
              get()
                .edges.filter((edge) => edge.selected)
                .map((edge) => edge.id),
            );
            store.temporal.getState().undo();
            // History restores the document, not what was selected back then.
            keepSelection(nodeIds, edgeIds);
          },
          redo() {
            burst = null;
            const nodeIds = selectedIds();
            const edgeIds = new Set(
              get()
                .edges.filter((edge) => edge.selected)
                .map((edge) => edge.id),
            );
            store.temporal.getState().redo();
            keepSelection(nodeIds, edgeIds);
          },
          markSaved(document, version) {
            set(
              version === undefined
                ? { savedDocument: document }
                : { savedDocument: document, version },
            );
          },
          setIssues(issues) {
            set({ issues, issuesByNode: issuesByNodeOf(issues) });
          },
          setRun(run) {
            set({ run });
          },
          applyRunEvent(event) {
            const { run } = get();
            if (!run) return;
            const next = applyRunEvent(run, event);
            if (next !== run) set({ run: next });
          },
          notify(tone, message) {
            noticeId += 1;
            set({ notice: { id: noticeId, tone, message } });
          },
          dismissNotice() {
            set({ notice: null });
          },
          openPanel(panel) {
            // Leaving the Versions panel ends the comparison it drew on the canvas.
            const compare = panel === 'versions' ? get().compare : null;
            set(panel === 'error' ? { panel, compare } : { panel, errorNodeId: null, compare });
          },
          showError(nodeId) {
            set({ errorNodeId: nodeId, panel: nodeId === null ? null : 'error', compare: null });
          },
          patch(state) {
            set(state);
          },
        };

        return {
          nodes: initial.nodes,
          edges: initial.edges,
          settings: initial.settings,
          registry: options.registry,
          readOnly: options.readOnly ?? false,
          workflowId: undefined,
          version: undefined,
          savedDocument: initial,
          saveStatus: 'idle',
          saveError: undefined,
          conflictVersion: undefined,
          draftOffer: null,
          issues: [],
          issuesByNode: {},
          providers: undefined,
          run: null,
          notice: null,
          panel: null,
          errorNodeId: null,
          compare: null,
          layout: 'wide',
          view: 'steps',
          pointedOutNodeId: null,
          viewEpoch: 0,
          actions,
        };
      },
      {
        limit,
        partialize: (state): EditorDocument => ({
          nodes: state.nodes,
          edges: state.edges,
          settings: state.settings,
        }),
        equality: sameDocument,
      },
    ),
  );

  function pushPast(snapshot: EditorDocument): void {
    const { pastStates } = store.temporal.getState();
    const kept =
      pastStates.length >= limit
        ? pastStates.slice(pastStates.length - limit + 1)
        : pastStates.slice();
    kept.push(snapshot);
    store.temporal.setState({ pastStates: kept, futureStates: [] });
  }

  return store;
}

export type EditorStore = ReturnType<typeof createEditorStore>;
