import type { AnyNodeDefinition } from '../types';
import { debugNode } from './debug';
import { jsonNode } from './json';
import { templateNode } from './template';
import { textNode } from './text';

/** The node types every Galaxy Flow host has; pass them to `createRegistry` with your own. */
export const builtinNodes: readonly AnyNodeDefinition[] = Object.freeze([
  textNode,
  templateNode,
  jsonNode,
  debugNode,
] as unknown as AnyNodeDefinition[]);

export { debugNode, jsonNode, templateNode, textNode };
