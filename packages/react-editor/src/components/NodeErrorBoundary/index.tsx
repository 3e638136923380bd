import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface NodeErrorBoundaryProps {
  /** Names the node in the fallback. */
  label: string;
  children?: ReactNode;
}

interface State {
  error: Error | null;
}

/** Keeps a node that throws while rendering from taking the whole canvas down. */
export class NodeErrorBoundary extends Component<NodeErrorBoundaryProps, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // Hosts see the failure in their console and error reporting; the canvas stays up.
    console.error(`Galaxy Flow: node "${this.props.label}" failed to render.`, error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="gf-node__crash" role="alert">
          <strong>This node could not be displayed.</strong>
          <span>{this.state.error.message}</span>
          <button type="button" className="gf-button gf-button--small nodrag" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
