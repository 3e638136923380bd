function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface NodeCrashCardProps {
  /** The node's id: the card carries the same test id as the node it replaces. */
  nodeId: string;
  /** Names the node. */
  label: string;
  /** What the node threw while rendering. */
  error: unknown;
  /** Clears the failure and renders the node again. */
  onRetry: () => void;
}

/** Drawn in place of a node that threw while rendering, with a way to try again. */
export function NodeCrashCard({ nodeId, label, error, onRetry }: NodeCrashCardProps) {
  return (
    <div className="gf-node gf-node--crashed" data-testid={`gf-node-${nodeId}`}>
      <header className="gf-node__header">
        <span className="gf-node__title">{label}</span>
      </header>
      <div className="gf-node__crash" role="alert">
        <strong>This node could not be displayed.</strong>
        <span>{messageOf(error)}</span>
        <button type="button" className="gf-button gf-button--small nodrag" onClick={onRetry}>
          Try again
        </button>
      </div>
    </div>
  );
}
