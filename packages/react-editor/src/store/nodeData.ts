import { type AnyNodeDefinition, CommonNodeDataSchema } from '@galaxyflow/engine';
import type { EditorNodeData } from '../types';

const COMMON_KEYS = new Set(Object.keys(CommonNodeDataSchema.shape));
const defaults = new WeakMap<AnyNodeDefinition, EditorNodeData>();

/** The data a new node of this type starts with: its schema's defaults. */
export function defaultDataOf(definition: AnyNodeDefinition): EditorNodeData {
  let data = defaults.get(definition);
  if (!data) {
    const parsed = definition.data.safeParse({});
    data = parsed.success && typeof parsed.data === 'object' && parsed.data !== null ? (parsed.data as EditorNodeData) : {};
    defaults.set(definition, data);
  }
  return structuredClone(data);
}

const parsedCache = new WeakMap<EditorNodeData, unknown>();

/**
 * A node's own data parsed by its type's schema (defaults filled in), as the engine sees
 * it when it resolves ports. Falls back to the raw data while it is invalid.
 */
export function parsedDataOf(definition: AnyNodeDefinition, data: EditorNodeData): unknown {
  if (parsedCache.has(data)) return parsedCache.get(data);
  const own: EditorNodeData = {};
  for (const [key, value] of Object.entries(data)) if (!COMMON_KEYS.has(key)) own[key] = value;
  const parsed = definition.data.safeParse(own);
  const result = parsed.success ? parsed.data : own;
  parsedCache.set(data, result);
  return result;
}
