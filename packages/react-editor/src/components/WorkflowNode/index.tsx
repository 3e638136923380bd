import type { NodeProps } from '@xyflow/react';
import { type ErrorInfo, PureComponent } from 'react';
import type { EditorNode } from '../../types';
import { NodeCrashCard } from './NodeCrashCard';
import { WorkflowNodeContent } from './WorkflowNodeContent';

interface State {
  error: unknown;
  failed: boolean;
}

function labelOf(props: NodeProps<EditorNode>): string {
  return typeof props.data.label === 'string' && props.data.label ? props.data.label : props.type;
}

/**
 * A node on the canvas, and its own error boundary: its content (header, handles, form,
 * preview and the hooks behind them) is drawn from its definition by `WorkflowNodeContent`,
 * and when that throws a card takes the node's place while the rest of the canvas keeps
 * working. One component per node rather than a memo wrapper around a boundary around the
 * content: on a thousand nodes each layer is a thousand more fibers to mount and keep.
 * A pure component, so a drag still renders only the dragged node.
 */
export class WorkflowNode extends PureComponent<NodeProps<EditorNode>, State> {
  override state: State = { error: null, failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Hosts see the failure in their console and error reporting; the canvas stays up.
    console.error(`Galaxy Flow: node "${labelOf(this.props)}" failed to render.`, error, info.componentStack);
  }

  override componentDidUpdate(previous: NodeProps<EditorNode>): void {
    // An undo or any other change of the node's type or data may have fixed it: it renders again.
    if (this.state.failed && (previous.type !== this.props.type || previous.data !== this.props.data)) {
      this.setState({ error: null, failed: false });
    }
  }

  private readonly retry = () => this.setState({ error: null, failed: false });

  override render() {
    if (!this.state.failed) return <WorkflowNodeContent {...this.props} />;
    return <NodeCrashCard nodeId={this.props.id} label={labelOf(this.props)} error={this.state.error} onRetry={this.retry} />;
  }
}
