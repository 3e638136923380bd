import { nodeTitle } from '@galaxyflow/engine';
import { useEditorState } from '../../hooks/useEditorState';

/** The node that decided a branch, as a skip note names it. */
export interface BranchNode {
  /** Its type, e.g. `if`; empty when the node is gone. */
  type: string;
  /** Its type's label, e.g. `If`. */
  typeLabel: string;
  /** The name the user gave it, when it differs from the type's label. */
  title: string | undefined;
  /** Its output ports' labels, by port. */
  portLabels: Readonly<Record<string, string>>;
}

const GONE: BranchNode = { type: '', typeLabel: '', title: undefined, portLabels: {} };

/**
 * The branching node a skip names. Read as one string so the selector's result compares by
 * value: the note re-renders only when that node's title or ports change.
 */
export function useBranchNode(nodeId: string): BranchNode {
  const encoded = useEditorState((state) => {
    const node = state.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) return '';
    const definition = state.registry.get(node.type);
    const typeLabel = definition?.label ?? node.type;
    const title = nodeTitle(node.data, typeLabel);
    const portLabels: Record<string, string> = {};
    const outputs = definition
      ? typeof definition.outputs === 'function'
        ? {}
        : definition.outputs
      : {};
    for (const [port, spec] of Object.entries(outputs)) portLabels[port] = spec.label ?? port;
    return JSON.stringify({
      type: node.type,
      typeLabel,
      title: title === typeLabel ? undefined : title,
      portLabels,
    });
  });
  if (encoded === '') return { ...GONE, typeLabel: nodeId };
  return JSON.parse(encoded) as BranchNode;
}

/**
 * The sentence a skipped node shows: `Not taken: branch If ‘Check’ was false` for an If (the
 * output left unset is the side the condition did not choose), `Not taken: Switch ‘Route’ did
 * not choose “refund”` for another branching node.
 */
export function notTakenText(branch: BranchNode, port: string | undefined): string {
  const named = branch.title ? `${branch.typeLabel} ‘${branch.title}’` : branch.typeLabel;
  if (branch.type === 'if' && (port === 'true' || port === 'false')) {
    return `Not taken: branch ${named} was ${port === 'true' ? 'false' : 'true'}`;
  }
  if (port === undefined) return `Not taken: a branch of ${named} was not taken`;
  return `Not taken: ${named} did not choose “${branch.portLabels[port] ?? port}”`;
}
