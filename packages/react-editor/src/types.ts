import type { ErrorInfo, LogEntry, NodeMeta, RunStatus, WorkflowSettings } from '@galaxyflow/engine';
import type { Edge, Node } from '@xyflow/react';

/** A node's `data` as stored in the workflow: the type's own settings plus the common keys. */
export type EditorNodeData = Record<string, unknown>;

/** A node on the canvas: a workflow node plus React Flow's view state. */
export type EditorNode = Node<EditorNodeData, string> & { type: string };

/** An edge on the canvas: always from an output port to an input port. */
export type EditorEdge = Edge & { sourceHandle: string; targetHandle: string };

/** The part of the editor state that undo/redo restores and that is saved. */
export interface EditorDocument {
  nodes: EditorNode[];
  edges: EditorEdge[];
  settings: WorkflowSettings | undefined;
}

/** How one node looks during or after a run. */
export type NodeRunStatus =
  | 'queued'
  | 'running'
  | 'retrying'
  | 'success'
  | 'failed'
  | 'skipped'
  | 'canceled';

/** One node's part of a run, as the canvas paints it. */
export interface NodeRunState {
  status: NodeRunStatus;
  /** The attempt in progress or the last one made. */
  attempt: number;
  /** Tokens streamed so far by `node:delta` events. */
  streamed: string;
  /** Output values keyed by output port (after success). */
  output?: Record<string, unknown>;
  /** Why it failed, was skipped or canceled, or the error being retried. */
  error?: ErrorInfo;
  durationMs?: number;
  /** Output reused from an earlier run. */
  reused?: boolean;
  /** For skipped nodes: the failed upstream node. */
  skippedBecause?: string;
  /** What the node reported about how it got its result, e.g. which provider and model answered. */
  meta?: NodeMeta;
  /** How far a node that works through items (a Map) has got, from `node:progress` events. */
  progress?: { done: number; total: number };
  /**
   * While a Workflow node runs: its sub-workflow's nodes as their `node:child` events paint
   * them, keyed by node id (`a › b` for a node of a sub-workflow's sub-workflow). Once the node
   * ends, its `meta.child` holds the final results instead.
   */
  children?: Record<string, NodeRunState>;
}

/** Where a run shown on the canvas comes from. */
export type RunOrigin = 'live' | 'history';

/** The phase of the run shown on the canvas. */
export type RunPhase = 'starting' | 'running' | RunStatus;

/** A run as the editor shows it: live from events, or opened from the history. */
export interface RunView {
  /** Empty until the server answers with an id. */
  runId: string;
  origin: RunOrigin;
  phase: RunPhase;
  nodes: Record<string, NodeRunState>;
  logs: LogEntry[];
  startedAt?: number;
  durationMs?: number;
  error?: ErrorInfo;
  /** The nodes a partial run targets. */
  targetNodeIds?: string[];
}

