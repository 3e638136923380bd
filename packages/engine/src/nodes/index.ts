import type { AnyNodeDefinition } from '../types';
import { debugNode } from './debug';
import { httpNode } from './http';
import { ifNode } from './if';
import { imageNode } from './image';
import { imageGenNode } from './imageGen';
import { inputNode } from './input';
import { jsonNode } from './json';
import { llmNode } from './llm';
import { mapNode } from './map';
import { mergeNode } from './merge';
import { outputNode } from './output';
import { llmRouterNode } from './router';
import { switchNode } from './switch';
import { templateNode } from './template';
import { textNode } from './text';
import { visionNode } from './vision';
import { workflowNode } from './workflow';

/**
 * The node types every Galaxy Flow host has; pass them to `createRegistry` with your own.
 *
 * Each built-in definition is marked pure (as is this list), so a bundle that imports only,
 * say, `validateWorkflow` leaves the nodes out, and with them the run loop that Map and
 * Workflow nodes reach.
 */
export const builtinNodes: readonly AnyNodeDefinition[] = /* @__PURE__ */ Object.freeze([
  textNode,
  imageNode,
  templateNode,
  llmNode,
  llmRouterNode,
  visionNode,
  imageGenNode,
  jsonNode,
  ifNode,
  switchNode,
  mergeNode,
  httpNode,
  debugNode,
  inputNode,
  outputNode,
  workflowNode,
  mapNode,
]);

export {
  debugNode,
  httpNode,
  ifNode,
  imageGenNode,
  imageNode,
  inputNode,
  jsonNode,
  llmNode,
  llmRouterNode,
  mapNode,
  mergeNode,
  outputNode,
  switchNode,
  templateNode,
  textNode,
  visionNode,
  workflowNode,
};
