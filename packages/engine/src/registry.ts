import { GalaxyError } from './errors';
import type { AnyNodeDefinition } from './types';

/** The node types a run, the validator and the editor know about. Immutable once made. */
export interface NodeRegistry {
  /** The definition of a type, or undefined. */
  get(type: string): AnyNodeDefinition | undefined;
  has(type: string): boolean;
  /** Every definition, in registration order. */
  list(): readonly AnyNodeDefinition[];
  /** Category names in first-seen order, for the palette. */
  categories(): readonly string[];
  /** A new registry with these definitions added (duplicates throw). */
  extend(definitions: readonly AnyNodeDefinition[]): NodeRegistry;
}

/**
 * Makes a registry. Registering one type twice throws `E_DUPLICATE_NODE_TYPE`: a host's
 * node never silently replaces a built-in.
 */
export function createRegistry(definitions: readonly AnyNodeDefinition[]): NodeRegistry {
  const byType = new Map<string, AnyNodeDefinition>();
  for (const definition of definitions) {
    if (byType.has(definition.type)) {
      throw new GalaxyError('E_DUPLICATE_NODE_TYPE', `Node type "${definition.type}" is registered twice.`, {
        details: { type: definition.type },
      });
    }
    byType.set(definition.type, definition);
  }
  const list = Object.freeze([...byType.values()]);
  const categories = Object.freeze([...new Set(list.map((d) => d.category))]);
  return Object.freeze({
    get: (type: string) => byType.get(type),
    has: (type: string) => byType.has(type),
    list: () => list,
    categories: () => categories,
    extend: (more: readonly AnyNodeDefinition[]) => createRegistry([...list, ...more]),
  });
}
