import { type AnyNodeDefinition, CommonNodeDataSchema, inputPortsOf, outputPortsOf, type PortMap } from '@galaxyflow/engine';
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

/** A node's ports as its definition resolves them for its data. */
export interface NodePorts {
  inputs: PortMap;
  outputs: PortMap;
  /** Changes exactly when a port appears or vanishes: its handles must be measured again. */
  signature: string;
}

const NO_PORTS: NodePorts = { inputs: {}, outputs: {}, signature: '|' };
const portsCache = new WeakMap<EditorNodeData, { definition: AnyNodeDefinition; ports: NodePorts }>();

/**
 * The ports a node of this definition has with this data (template placeholders add inputs),
 * once per data object; none while the definition cannot resolve them.
 */
export function nodePortsOf(definition: AnyNodeDefinition | undefined, data: EditorNodeData): NodePorts {
  if (!definition) return NO_PORTS;
  const cached = portsCache.get(data);
  if (cached?.definition === definition) return cached.ports;
  let ports = NO_PORTS;
  try {
    const parsed = parsedDataOf(definition, data);
    const inputs = inputPortsOf(definition, parsed);
    const outputs = outputPortsOf(definition, parsed);
    ports = { inputs, outputs, signature: `${Object.keys(inputs).join(',')}|${Object.keys(outputs).join(',')}` };
  } catch {
    // A definition that cannot resolve its ports draws the node without handles.
  }
  portsCache.set(data, { definition, ports });
  return ports;
}
