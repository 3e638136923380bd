import type { AnyNodeDefinition } from '../types';
import { debugNode } from './debug';
import { httpNode } from './http';
import { imageNode } from './image';
import { imageGenNode } from './imageGen';
import { jsonNode } from './json';
import { llmNode } from './llm';
import { llmRouterNode } from './router';
import { templateNode } from './template';
import { textNode } from './text';
import { visionNode } from './vision';

/** The node types every Galaxy Flow host has; pass them to `createRegistry` with your own. */
export const builtinNodes: readonly AnyNodeDefinition[] = Object.freeze([
  textNode,
  imageNode,
  templateNode,
  llmNode,
  llmRouterNode,
  visionNode,
  imageGenNode,
  jsonNode,
  httpNode,
  debugNode,
]);

export {
  debugNode,
  httpNode,
  imageGenNode,
  imageNode,
  jsonNode,
  llmNode,
  llmRouterNode,
  templateNode,
  textNode,
  visionNode,
};
