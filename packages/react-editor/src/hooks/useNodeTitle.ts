import { nodeTitle } from '@galaxyflow/engine';
import type { EditorState } from '../store/createEditorStore';
import { useEditorState } from './useEditorState';

/** A node's title, as every message names it: its label, else its type's label; its id when it is gone. */
export function selectNodeTitle(state: EditorState, nodeId: string): string {
  const node = state.nodes.find((candidate) => candidate.id === nodeId);
  if (!node) return nodeId;
  return nodeTitle(node.data, state.registry.get(node.type)?.label ?? node.type);
}

/** The title of a node on the canvas; re-renders only when that title changes. */
export function useNodeTitle(nodeId: string): string {
  return useEditorState((state) => selectNodeTitle(state, nodeId));
}
