import type { Workflow, WorkflowEdge, WorkflowNode } from './schema';

/**
 * A hand-written parser for the common case: a well-formed workflow. It accepts exactly
 * what `WorkflowSchema` accepts and returns what it returns, or `null` for anything it is
 * not sure of, and then zod parses and explains. Zod's checks cost about 1 µs per field,
 * which is most of validating a 10,000-node graph; this path costs a tenth of that.
 * A property test holds the two to the same answers.
 */
function isId(value: unknown): value is string {
  // The schema's reserved ids, compared one by one: cheaper than a Set lookup at four ids per edge.
  return typeof value === 'string' && value.length >= 1 && value.length <= 128 && value !== '__proto__' && value !== 'constructor' && value !== 'prototype';
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 128;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

export function parseWorkflowFast(input: unknown): Workflow | null {
  return parse(input, false)?.workflow ?? null;
}

/** A workflow parsed by the fast path, with the size of the document it came from. */
export interface MeasuredWorkflow {
  workflow: Workflow;
  /** The UTF-8 length of `JSON.stringify(input)`. */
  bytes: number;
}

/**
 * `parseWorkflowFast` that also measures the document as `JSON.stringify` would serialize
 * it, without building that string: serializing a 10,000-node workflow only to read its
 * length cost more than the rest of validation. It answers only for documents whose JSON
 * it can predict exactly (plain objects, no `toJSON`, nothing enumerable on
 * `Object.prototype`) and returns `null` for anything else, or if reading the document
 * throws; the caller then serializes for real. A property test holds the size to
 * `JSON.stringify`'s.
 */
export function parseWorkflowFastMeasured(input: unknown): MeasuredWorkflow | null {
  try {
    return prototypeIsClean() ? parse(input, true) : null;
  } catch {
    return null;
  }
}

/**
 * For-in over a plain object visits exactly its own enumerable keys (what JSON serializes)
 * only while nothing enumerable was added to `Object.prototype`.
 */
function prototypeIsClean(): boolean {
  for (const _ in Object.prototype) return false;
  return true;
}

/** An object whose JSON is its own enumerable members, so they can be measured one by one. */
function isMeasurable(value: Record<string, unknown>): boolean {
  return isPlainPrototype(Object.getPrototypeOf(value)) && !hasToJson(value);
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** Bytes of an object's JSON from its members: braces, commas, and the members' own bytes. */
function objectBytes(members: number, bytes: number): number {
  return members === 0 ? 2 : bytes + members + 1;
}

/**
 * Bytes of the member `"key":value` as `JSON.stringify` writes it inside an object, or -1 when
 * it leaves the member out (undefined, functions, symbols). Serializes the member with its key,
 * so a `toJSON(key)` sees the same key it would in place.
 */
function memberBytes(key: string, value: unknown): number {
  const json = JSON.stringify({ [key]: value });
  return json.length === 2 ? -1 : utf8Length(json) - 2;
}

/** Bytes of a string as a JSON string literal: quotes, escapes, UTF-8. */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) bytes += c === 0x22 || c === 0x5c ? 2 : 1;
      else bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    } else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6; // a lone surrogate is written as \uXXXX
    } else if (c >= 0xdc00 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

/** UTF-8 length of text whose surrogates are all paired (as in JSON.stringify's output). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function dataBytes(data: Record<string, unknown>): number {
  if (hasToJson(data)) throw new Unmeasurable();
  for (const _ in data) return utf8Length(JSON.stringify(data));
  return 2;
}

function positionBytes(position: Record<string, unknown>, x: number, y: number): number {
  if (!isMeasurable(position)) throw new Unmeasurable();
  let members = 0;
  let bytes = 0;
  for (const key in position) {
    // `"x":` and `"y":` are 4 bytes; a finite number's JSON is its String().
    const b = key === 'x' ? 4 + String(x).length : key === 'y' ? 4 + String(y).length : memberBytes(key, position[key]);
    if (b < 0) continue;
    members++;
    bytes += b;
  }
  return objectBytes(members, bytes);
}

/** Thrown inside `parse` when a document's JSON cannot be predicted; `parseWorkflowFastMeasured` returns null. */
class Unmeasurable extends Error {}

function parse(input: unknown, measure: boolean): MeasuredWorkflow | null {
  if (!isObject(input)) return null;
  const { nodes, edges } = input;
  if (!Array.isArray(nodes) || !Array.isArray(edges) || input.settings !== undefined) return null;
  if (measure && (!isMeasurable(input) || hasToJson(nodes) || hasToJson(edges))) return null;
  let nodesBytes = 2 + Math.max(0, nodes.length - 1);
  const outNodes: WorkflowNode[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node: unknown = nodes[i];
    if (!isObject(node) || !isId(node.id) || !isName(node.type)) return null;
    const data = node.data;
    let copy: Record<string, unknown>;
    if (data === undefined) copy = {};
    // An own "__proto__" key (JSON.parse makes them) is left to zod, which drops it.
    else if (isObject(data) && isPlainPrototype(Object.getPrototypeOf(data)) && !Object.hasOwn(data, '__proto__')) copy = { ...data };
    else return null;
    const position = node.position;
    let x = 0;
    let y = 0;
    if (position === undefined) {
      outNodes[i] = { id: node.id, type: node.type, data: copy };
    } else {
      if (!isObject(position)) return null;
      const px = position.x;
      const py = position.y;
      if (typeof px !== 'number' || typeof py !== 'number' || !Number.isFinite(px) || !Number.isFinite(py)) return null;
      x = px;
      y = py;
      outNodes[i] = { id: node.id, type: node.type, data: copy, position: { x, y } };
    }
    if (!measure) continue;
    if (!isMeasurable(node)) return null;
    let members = 0;
    let bytes = 0;
    for (const key in node) {
      let b: number;
      // Each known key costs its quoted name and a colon, e.g. `"id":` is 5 bytes.
      if (key === 'id') b = 5 + jsonStringBytes(node.id);
      else if (key === 'type') b = 7 + jsonStringBytes(node.type);
      else if (key === 'data') b = data === undefined ? -1 : 7 + dataBytes(data as Record<string, unknown>);
      else if (key === 'position') b = position === undefined ? -1 : 11 + positionBytes(position as Record<string, unknown>, x, y);
      else b = memberBytes(key, node[key]);
      if (b < 0) continue;
      members++;
      bytes += b;
    }
    nodesBytes += objectBytes(members, bytes);
  }
  let edgesBytes = 2 + Math.max(0, edges.length - 1);
  const outEdges: WorkflowEdge[] = new Array(edges.length);
  for (let i = 0; i < edges.length; i++) {
    const edge: unknown = edges[i];
    if (!isObject(edge)) return null;
    const { id, source, sourceHandle, target, targetHandle } = edge;
    if (!isId(id) || !isId(source) || !isId(target) || !isName(sourceHandle) || !isName(targetHandle)) return null;
    outEdges[i] = { id, source, sourceHandle, target, targetHandle };
    if (!measure) continue;
    if (!isMeasurable(edge)) return null;
    let members = 0;
    let bytes = 0;
    for (const key in edge) {
      let b: number;
      if (key === 'id') b = 5 + jsonStringBytes(id);
      else if (key === 'source') b = 9 + jsonStringBytes(source);
      else if (key === 'target') b = 9 + jsonStringBytes(target);
      else if (key === 'sourceHandle') b = 15 + jsonStringBytes(sourceHandle);
      else if (key === 'targetHandle') b = 15 + jsonStringBytes(targetHandle);
      else b = memberBytes(key, edge[key]);
      if (b < 0) continue;
      members++;
      bytes += b;
    }
    edgesBytes += objectBytes(members, bytes);
  }
  const workflow: Workflow = { nodes: outNodes, edges: outEdges };
  if (!measure) return { workflow, bytes: -1 };
  let members = 0;
  let bytes = 0;
  for (const key in input) {
    // `"nodes":` and `"edges":` are 8 bytes; `settings` is undefined here, so JSON leaves it out.
    const b = key === 'nodes' ? 8 + nodesBytes : key === 'edges' ? 8 + edgesBytes : key === 'settings' ? -1 : memberBytes(key, input[key]);
    if (b < 0) continue;
    members++;
    bytes += b;
  }
  return { workflow, bytes: objectBytes(members, bytes) };
}
