import * as z from 'zod';
import { isValidPortName } from './defineNode';
import type { JsonValue, PortMap, PortType } from './types';

/** A JSON Schema as plain JSON (an object at its root). */
export type JsonSchema = { [key: string]: JsonValue };

/** The value types the schema builder offers for a field. */
export const SCHEMA_FIELD_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'array',
  'object',
] as const;

/** A field type of the schema builder. */
export type SchemaFieldType = (typeof SCHEMA_FIELD_TYPES)[number];

/** One top-level property of an object schema, as the editor's schema builder edits it. */
export interface SchemaField {
  /** The property name; a field whose name is an identifier also becomes an output port. */
  name: string;
  type: SchemaFieldType;
  /** Tells the model what to put there. Default none. */
  description?: string;
  /** The answer must have it. */
  required: boolean;
}

/** Most bytes of a schema kept in a node's data. */
export const MAX_SCHEMA_BYTES = 100_000;

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a schema as a node's data holds it: a JSON object, or JSON text (how the LLM node kept it
 * before the schema builder). Empty text means no schema. Returns the problem as a sentence
 * instead of throwing, for validation messages.
 */
export function readJsonSchema(value: unknown): { schema?: JsonSchema; problem?: string } {
  if (value === undefined || value === null) return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    if (!value.trim()) return {};
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      return { problem: `The schema is not valid JSON: ${(error as Error).message}` };
    }
  }
  if (!isObject(parsed))
    return { problem: 'A JSON Schema is a JSON object, e.g. { "type": "object" }.' };
  if (Object.keys(parsed).length === 0) return {};
  try {
    z.fromJSONSchema(parsed as z.core.JSONSchema.JSONSchema);
  } catch (error) {
    return { problem: `Not a usable JSON Schema: ${(error as Error).message}` };
  }
  return { schema: parsed as JsonSchema };
}

/** Checks values against a schema; each problem names where it is (`items.0.name: …`). */
export interface JsonSchemaValidator {
  /** The problems of a value, empty when it matches. */
  check(value: unknown): string[];
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(root)';
}

/** Compiles a schema (already accepted by `readJsonSchema`) into a validator. */
export function compileJsonSchema(schema: JsonSchema): JsonSchemaValidator {
  const zod = z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema);
  return {
    check(value) {
      const result = zod.safeParse(value);
      if (result.success) return [];
      return result.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`);
    },
  };
}

function fieldTypeOf(value: unknown): SchemaFieldType | undefined {
  const type = Array.isArray(value) ? value.find((entry) => entry !== 'null') : value;
  return (SCHEMA_FIELD_TYPES as readonly unknown[]).includes(type)
    ? (type as SchemaFieldType)
    : undefined;
}

/** The top-level properties of an object schema, in order; empty for other schemas. */
export function schemaFields(schema: JsonSchema | undefined): SchemaField[] {
  if (!schema || !isObject(schema.properties)) return [];
  const required = new Set(
    Array.isArray(schema.required)
      ? schema.required.filter((name) => typeof name === 'string')
      : [],
  );
  const fields: SchemaField[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    const spec = isObject(property) ? property : {};
    const field: SchemaField = {
      name,
      type: fieldTypeOf(spec.type) ?? 'string',
      required: required.has(name),
    };
    if (typeof spec.description === 'string' && spec.description)
      field.description = spec.description;
    fields.push(field);
  }
  return fields;
}

/**
 * Whether the builder can show a schema as fields without losing anything: an object whose
 * properties each have only a builder type and a description.
 */
export function isFieldSchema(schema: JsonSchema | undefined): boolean {
  if (!schema) return true;
  const allowed = new Set(['type', 'properties', 'required', 'additionalProperties']);
  if (schema.type !== 'object' || !Object.keys(schema).every((key) => allowed.has(key)))
    return false;
  if (schema.properties !== undefined && !isObject(schema.properties)) return false;
  return Object.values(schema.properties ?? {}).every(
    (property) =>
      isObject(property) &&
      fieldTypeOf(property.type) === property.type &&
      Object.keys(property).every((key) => key === 'type' || key === 'description'),
  );
}

/** The object schema the builder's fields describe. */
export function schemaFromFields(fields: readonly SchemaField[]): JsonSchema {
  const properties: { [key: string]: JsonValue } = {};
  for (const field of fields) {
    properties[field.name] = field.description
      ? { type: field.type, description: field.description }
      : { type: field.type };
  }
  const required = fields.filter((field) => field.required).map((field) => field.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function portTypeOf(type: SchemaFieldType): PortType {
  return type === 'string' ? 'text' : 'json';
}

/**
 * One output port per top-level property whose name is an identifier and not in `reserved`:
 * strings flow as text, everything else as JSON.
 */
export function schemaOutputPorts(
  schema: JsonSchema | undefined,
  reserved: readonly string[] = [],
): PortMap {
  const ports: PortMap = {};
  for (const field of schemaFields(schema)) {
    if (!isValidPortName(field.name) || reserved.includes(field.name)) continue;
    ports[field.name] = {
      type: portTypeOf(field.type),
      label: field.name,
      ...(field.description ? { description: field.description } : {}),
    };
  }
  return ports;
}
