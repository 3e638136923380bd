import type * as z from 'zod';
import { GalaxyError } from './errors';
import type { AnyNodeDefinition, NodeDefinition, PortMap, PortSpec, PortsDef } from './types';

const TYPE_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/i;
const PORT_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a string may name a port: an identifier that is not an object-prototype key. */
export function isValidPortName(name: string): boolean {
  return PORT_PATTERN.test(name) && !RESERVED.has(name);
}

function checkPorts(type: string, kind: 'inputs' | 'outputs', ports: PortsDef<unknown>): void {
  if (typeof ports === 'function') return;
  for (const name of Object.keys(ports)) {
    if (!isValidPortName(name)) {
      throw new GalaxyError(
        'E_INVALID_NODE_DEFINITION',
        `Node type "${type}": ${kind} port "${name}" must be an identifier (letters, digits, _).`,
      );
    }
  }
}

/**
 * Declares a node type. Built-in nodes are declared the same way a host declares its own.
 * The generics infer the types of `inputs` and `data` inside `run` from the ports and schema.
 */
export function defineNode<I extends PortMap, O extends PortMap, S extends z.ZodType>(
  definition: NodeDefinition<I, O, S>,
): NodeDefinition<I, O, S> {
  if (!TYPE_PATTERN.test(definition.type)) {
    throw new GalaxyError(
      'E_INVALID_NODE_DEFINITION',
      `Node type "${definition.type}" must start with a letter and use letters, digits, _ . : - (64 at most).`,
    );
  }
  checkPorts(definition.type, 'inputs', definition.inputs as PortsDef<unknown>);
  checkPorts(definition.type, 'outputs', definition.outputs as PortsDef<unknown>);
  return Object.freeze(definition);
}

/**
 * The port named `name`, or undefined. Only the map's own keys are ports: a handle such as
 * `constructor` or `toString` must not find a member of `Object.prototype`.
 */
export function portOf(ports: PortMap, name: string): PortSpec | undefined {
  return Object.hasOwn(ports, name) ? ports[name] : undefined;
}

function resolve(ports: PortsDef<unknown>, data: unknown): PortMap {
  if (typeof ports !== 'function') return ports;
  const resolved = ports(data);
  // Ports derived from user data must still be safe keys.
  const safe: PortMap = {};
  for (const [name, spec] of Object.entries(resolved)) {
    if (isValidPortName(name)) safe[name] = spec;
  }
  return safe;
}

/** The input ports of a node, given its parsed data (for types whose ports depend on it). */
export function inputPortsOf(definition: AnyNodeDefinition, data: unknown): PortMap {
  return resolve(definition.inputs as PortsDef<unknown>, data);
}

/** The output ports of a node, given its parsed data. */
export function outputPortsOf(definition: AnyNodeDefinition, data: unknown): PortMap {
  return resolve(definition.outputs as PortsDef<unknown>, data);
}
