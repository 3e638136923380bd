import type { NodeRegistry } from '@galaxyflow/engine';
import { createContext } from 'react';
import type { EditorController } from '../../store/createEditorController';
import type { EditorActions } from '../../store/createEditorStore';
import type { FileUploads } from '../../store/fileUploads';
import type { NodeFeed } from '../../store/nodeFeed';

/**
 * What every node of a canvas reads, handed down once by the canvas instead of read through
 * a store subscription per node. It changes rarely (a new registry, read-only, a run starting
 * or ending, the zoom crossing the compact threshold), and then every node has to redraw anyway.
 */
export interface NodeCanvasContextValue {
  registry: NodeRegistry;
  readOnly: boolean;
  /** A live run is under way: "Run to here" waits. */
  running: boolean;
  /** Nodes that are not selected draw as light cards: the view is too far out to read more. */
  compact: boolean;
  /** Settings live in the inspector panel: nodes show a summary line instead of their form. */
  inspector: boolean;
  actions: EditorActions;
  controller: EditorController;
  /** Per-node run state and issues, one store subscription for the whole canvas. */
  feed: NodeFeed;
  /** Uploads of dropped and pasted images per node, and thumbnails of stored files. */
  uploads: FileUploads;
  /** Measures a node's handles again, after ports appeared or vanished. */
  updateNodeInternals: (id: string) => void;
}

export const NodeCanvasContext = createContext<NodeCanvasContextValue | null>(null);
