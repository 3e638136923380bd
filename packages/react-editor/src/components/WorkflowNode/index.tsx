import type { NodeProps } from '@xyflow/react';
import { Component, type ErrorInfo } from 'react';
import { nodePortsOf } from '../../store/nodeData';
import type { NodeSlice } from '../../store/nodeFeed';
import type { EditorNode } from '../../types';
import { compactCard } from './compactCard';
import { NodeCanvasContext, type NodeCanvasContextValue } from './NodeCanvasContext';
import { NodeCrashCard } from './NodeCrashCard';
import { nodeClassName } from './nodeClassName';
import { WorkflowNodeContent } from './WorkflowNodeContent';

interface State {
  error: unknown;
  failed: boolean;
}

function labelOf(props: NodeProps<EditorNode>): string {
  return typeof props.data.label === 'string' && props.data.label ? props.data.label : props.type;
}

/** Throws, from inside the boundary, what the boundary's own render caught. */
function Rethrow({ error }: { error: unknown }): never {
  throw error;
}

/**
 * A node on the canvas, and its own error boundary: whole, its content (header, handles,
 * form, preview and the hooks behind them) comes from `WorkflowNodeContent`; zoomed too far
 * out to read that, and not selected, it draws a light card itself, with no hooks. When
 * either throws, a card takes the node's place while the rest of the canvas keeps working.
 * One component per node instead of a memo wrapper around a boundary around the content, and
 * one keyed subscription for its run state and issues instead of a store subscription per
 * value: on a thousand nodes each layer is a thousand more fibers and hooks to mount and keep.
 * It renders again only when what it draws changes (its id, type, data or selection, its
 * state or the canvas context): React Flow also hands it its measured size and position,
 * which nothing here draws, and re-rendering a thousand nodes once measured would rebuild
 * every handle for nothing. A drag still renders only the dragged node.
 */
export class WorkflowNode extends Component<NodeProps<EditorNode>, State> {
  static override contextType = NodeCanvasContext;
  declare context: NodeCanvasContextValue | null;
  override state: State = { error: null, failed: false };
  private unsubscribe: (() => void) | null = null;
  private subscribedTo: string | null = null;
  /** The port signature last drawn, to measure handles again when a port appears or vanishes. */
  private drawnSignature: string | null = null;
  private remeasure = false;

  override shouldComponentUpdate(next: NodeProps<EditorNode>, nextState: State, nextContext: unknown): boolean {
    const props = this.props;
    return (
      next.id !== props.id ||
      next.type !== props.type ||
      next.data !== props.data ||
      next.selected !== props.selected ||
      nextState !== this.state ||
      nextContext !== this.context
    );
  }

  static getDerivedStateFromError(error: unknown): State {
    return { error, failed: true };
  }

  override componentDidMount(): void {
    this.follow();
  }

  override componentDidUpdate(previous: NodeProps<EditorNode>): void {
    this.follow();
    // Handles that appeared or vanished must be measured again. Not on mount: React Flow
    // measures new nodes itself, and a call per node would force a layout per node.
    if (this.remeasure) {
      this.remeasure = false;
      this.context?.updateNodeInternals(this.props.id);
    }
    // An undo or any other change of the node's type or data may have fixed it: it renders again.
    if (this.state.failed && (previous.type !== this.props.type || previous.data !== this.props.data)) {
      this.setState({ error: null, failed: false });
    }
  }

  override componentWillUnmount(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Hosts see the failure in their console and error reporting; the canvas stays up.
    console.error(`Galaxy Flow: node "${labelOf(this.props)}" failed to render.`, error, info.componentStack);
  }

  /** Listens to this node's run state and issues (again, when the feed or the id changed). */
  private follow(): void {
    const feed = this.context?.feed;
    const key = feed ? this.props.id : null;
    if (key === this.subscribedTo && this.unsubscribe) return;
    this.unsubscribe?.();
    this.unsubscribe = feed ? feed.subscribe(this.props.id, this.changed) : null;
    this.subscribedTo = key;
    // What changed between the render and the subscription is drawn now.
    if (feed && feed.slice(this.props.id) !== this.drawnSlice) this.forceUpdate();
  }

  private drawnSlice: NodeSlice | null = null;
  private readonly changed = () => this.forceUpdate();
  private readonly retry = () => this.setState({ error: null, failed: false });

  private drawCompact(canvas: NodeCanvasContextValue, slice: NodeSlice) {
    const { id, type, data } = this.props;
    const definition = canvas.registry.get(type);
    const ports = nodePortsOf(definition, data);
    if (this.drawnSignature !== null && this.drawnSignature !== ports.signature) this.remeasure = true;
    this.drawnSignature = ports.signature;
    const label = typeof data.label === 'string' && data.label ? data.label : (definition?.label ?? type);
    const className = nodeClassName(definition, slice.runState?.status, slice.issues !== undefined, false, true);
    return compactCard(id, className, label, ports.inputs, ports.outputs);
  }

  override render() {
    if (this.state.failed) {
      return <NodeCrashCard nodeId={this.props.id} label={labelOf(this.props)} error={this.state.error} onRetry={this.retry} />;
    }
    const canvas = this.context;
    if (!canvas) return <WorkflowNodeContent {...this.props} slice={undefined} />;
    const slice = canvas.feed.slice(this.props.id);
    this.drawnSlice = slice;
    if (canvas.compact && !this.props.selected) {
      try {
        return this.drawCompact(canvas, slice);
      } catch (error) {
        // A boundary does not catch its own render: hand the error to a child to throw.
        return <Rethrow error={error} />;
      }
    }
    this.drawnSignature = null;
    return <WorkflowNodeContent {...this.props} slice={slice} />;
  }
}
