import {
  type ConnectionCheck,
  type ConnectionInput,
  type NodeRegistry,
  validateConnection,
} from '@galaxyflow/engine';
import type { EditorDocument } from '../types';

/**
 * The engine's verdict on a new edge, whichever end the user dragged from. The same
 * function the server runs on save, so a connection the canvas accepts is one it accepts.
 */
export function validateConnectionFor(
  document: EditorDocument,
  connection: ConnectionInput,
  registry: NodeRegistry,
): ConnectionCheck {
  return validateConnection({ nodes: document.nodes, edges: document.edges }, connection, registry);
}
