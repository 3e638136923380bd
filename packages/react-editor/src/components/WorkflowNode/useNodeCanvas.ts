import { useContext } from 'react';
import { EditorError } from '../../errors';
import { NodeCanvasContext, type NodeCanvasContextValue } from './NodeCanvasContext';

/** What the enclosing canvas hands its nodes; throws a clear error outside a `Canvas`. */
export function useNodeCanvas(): NodeCanvasContextValue {
  const value = useContext(NodeCanvasContext);
  if (!value) throw new EditorError('E_OUTSIDE_EDITOR');
  return value;
}
