import type { AnyNodeDefinition } from '../types';
import { debugNode } from './debug';
import { imageNode } from './image';
import { imageGenNode } from './imageGen';
import { inputNode } from './input';
import { jsonNode } from './json';
import { llmNode } from './llm';
import { mapNode } from './map';
import { outputNode } from './output';
import { templateNode } from './template';
import { textNode } from './text';
import { visionNode } from './vision';
import { workflowNode } from './workflow';

/** The node types every Galaxy Flow host has; pass them to `createRegistry` with your own. */
export const builtinNodes: readonly AnyNodeDefinition[] = Object.freeze([
  textNode,
  imageNode,
  templateNode,
  llmNode,
  visionNode,
  imageGenNode,
  jsonNode,
  debugNode,
  inputNode,
  outputNode,
  workflowNode,
  mapNode,
]);

export {
  debugNode,
  imageGenNode,
  imageNode,
  inputNode,
  jsonNode,
  llmNode,
  mapNode,
  outputNode,
  templateNode,
  textNode,
  visionNode,
  workflowNode,
};
