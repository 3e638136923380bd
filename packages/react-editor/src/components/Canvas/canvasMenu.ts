import { NOTE_NODE_TYPE } from '@galaxyflow/engine';
import { isRunActive } from '../../store/runReducer';
import { type ClipboardPayload, pageClipboard } from '../../store/clipboard';
import type { EditorController } from '../../store/createEditorController';
import type { EditorStore } from '../../store/createEditorStore';
import type { ContextMenuItem } from '../ContextMenu';

/** What was right-clicked: a node, a connection, or the empty canvas at a point of the flow. */
export type MenuTarget =
  | { kind: 'node'; id: string }
  | { kind: 'edge'; id: string }
  | { kind: 'pane'; flowPosition: { x: number; y: number } };

export interface MenuDeps {
  store: EditorStore;
  controller: EditorController;
  fitView(): void;
}

/** Copies to the page's buffer and, when the browser lets it, to the system clipboard too. */
function keep(payload: ClipboardPayload | null) {
  if (!payload) return;
  pageClipboard.payload = payload;
  void globalThis.navigator?.clipboard?.writeText(JSON.stringify(payload)).catch(() => {});
}

/** The menu's title and the actions that exist for the target, with the shortcuts that do the same. */
export function menuFor(
  target: MenuTarget,
  { store, controller, fitView }: MenuDeps,
): { label: string; items: ContextMenuItem[] } {
  const state = store.getState();
  const { actions, readOnly } = state;
  if (target.kind === 'node') {
    const node = state.nodes.find((candidate) => candidate.id === target.id);
    const runnable = !!node && !!state.registry.get(node.type) && !!controller.client;
    const title =
      typeof node?.data.label === 'string' && node.data.label
        ? node.data.label
        : (state.registry.get(node?.type ?? '')?.label ??
          (node?.type === NOTE_NODE_TYPE ? 'Note' : target.id));
    const items: ContextMenuItem[] = [];
    if (runnable) {
      items.push({
        label: 'Run to here',
        disabled: isRunActive(state.run),
        onSelect: () => void controller.run({ targetNodeId: target.id }),
      });
    }
    if (!readOnly)
      items.push({
        label: 'Duplicate',
        shortcut: 'Mod+D',
        onSelect: () => actions.duplicateSelection(),
      });
    items.push({ label: 'Copy', shortcut: 'Mod+C', onSelect: () => keep(actions.copySelection()) });
    if (!readOnly) {
      items.push({ label: 'Cut', shortcut: 'Mod+X', onSelect: () => keep(actions.cutSelection()) });
      items.push({
        label: 'Delete',
        shortcut: 'Delete',
        danger: true,
        onSelect: () => actions.deleteSelection(),
      });
    }
    return { label: `Node actions: ${title}`, items };
  }
  if (target.kind === 'edge') {
    return {
      label: 'Connection actions',
      items: readOnly
        ? []
        : [
            {
              label: 'Delete connection',
              shortcut: 'Delete',
              danger: true,
              onSelect: () => actions.deleteEdges([target.id]),
            },
          ],
    };
  }
  const history = store.temporal.getState();
  const items: ContextMenuItem[] = [];
  if (!readOnly) {
    items.push({
      label: 'Add a note here',
      onSelect: () => actions.addNode(NOTE_NODE_TYPE, target.flowPosition),
    });
    items.push({
      label: 'Paste',
      shortcut: 'Mod+V',
      disabled: !pageClipboard.payload,
      onSelect: () => {
        if (pageClipboard.payload) actions.paste(pageClipboard.payload);
      },
    });
  }
  items.push({
    label: 'Select all',
    shortcut: 'Mod+A',
    disabled: state.nodes.length === 0,
    onSelect: () => actions.selectAll(),
  });
  if (!readOnly) {
    items.push({
      label: 'Undo',
      shortcut: 'Mod+Z',
      disabled: history.pastStates.length === 0,
      onSelect: () => actions.undo(),
    });
    items.push({
      label: 'Redo',
      shortcut: 'Mod+Shift+Z',
      disabled: history.futureStates.length === 0,
      onSelect: () => actions.redo(),
    });
    items.push({
      label: 'Tidy up',
      disabled: state.nodes.length === 0,
      onSelect: () => {
        actions.tidyUp();
        setTimeout(fitView, 0);
      },
    });
  }
  items.push({ label: 'Fit view', shortcut: 'Shift+1', onSelect: fitView });
  return { label: 'Canvas actions', items };
}
