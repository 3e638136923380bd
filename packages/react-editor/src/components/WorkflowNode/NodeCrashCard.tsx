import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface NodeErrorBoundaryProps {
  /** The node's id: the fallback card carries the same test id as the node it replaces. */
  nodeId: string;
  /** Names the node in the fallback and in the console. */
  label: string;
  /**
   * Values that, when one changes (by identity), clear the error and render the node again:
   * an undo or another edit of its data may well have fixed it. Default none.
   */
  resetKeys?: readonly unknown[];
  children?: ReactNode;
}

interface State {
  error: unknown;
  failed: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function changed(a: readonly unknown[] = [], b: readonly unknown[] = []): boolean {
  return a.length !== b.length || a.some((value, i) => !Object.is(value, b[i]));
}

/**
 * Keeps a node that throws while rendering from taking the whole canvas down: the whole node
 * (header, handles, form, preview and its hooks) renders inside it, and a failure shows as a
 * card in the node's place, with a way to try again.
 */
export class NodeErrorBoundary extends Component<NodeErrorBoundaryProps, State> {
  override state: State = { error: null, failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Hosts see the failure in their console and error reporting; the canvas stays up.
    console.error(`Galaxy Flow: node "${this.props.label}" failed to render.`, error, info.componentStack);
  }

  override componentDidUpdate(previous: NodeErrorBoundaryProps): void {
    if (this.state.failed && changed(previous.resetKeys, this.props.resetKeys)) {
      this.setState({ error: null, failed: false });
    }
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="gf-node gf-node--crashed" data-testid={`gf-node-${this.props.nodeId}`}>
        <header className="gf-node__header">
          <span className="gf-node__title">{this.props.label}</span>
        </header>
        <div className="gf-node__crash" role="alert">
          <strong>This node could not be displayed.</strong>
          <span>{messageOf(this.state.error)}</span>
          <button
            type="button"
            className="gf-button gf-button--small nodrag"
            onClick={() => this.setState({ error: null, failed: false })}
          >
            Try again
          </button>
        </div>
      </div>
    );
  }
}
