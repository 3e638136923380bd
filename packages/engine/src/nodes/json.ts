import * as z from 'zod';
import { defineNode } from '../defineNode';
import { GalaxyError } from '../errors';
import type { JsonValue } from '../types';

const SEGMENT = /^[^.[\]]+|\.([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits a path like `items[0].name` or `a["b.c"]` into keys; throws on bad syntax. */
export function parseJsonPath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const trimmed = path.trim().replace(/^\$\.?/, '');
  SEGMENT.lastIndex = 0;
  let at = 0;
  while (at < trimmed.length) {
    SEGMENT.lastIndex = at;
    const match = SEGMENT.exec(trimmed);
    if (!match)
      throw new GalaxyError(
        'E_INVALID_DATA',
        `Cannot read the path "${path}" at character ${at + 1}.`,
      );
    const key =
      match[1] ??
      (match[2] !== undefined
        ? Number(match[2])
        : match[3] !== undefined
          ? JSON.parse(`"${match[3]}"`)
          : match[0]);
    keys.push(key as string | number);
    at = SEGMENT.lastIndex;
  }
  return keys;
}

/** Reads a value at a path, through own properties only. Missing -> undefined. */
export function pickJsonPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of parseJsonPath(path)) {
    if (typeof key === 'string' && FORBIDDEN.has(key)) return undefined;
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const JsonData = z.object({
  mode: z.enum(['parse', 'stringify', 'pick']).default('parse'),
  /** For `pick`: e.g. `choices[0].text`. */
  path: z.string().max(1_000).default(''),
  /** For `stringify`: indent with two spaces. */
  pretty: z.boolean().default(true),
});

/** Parses text to JSON, turns JSON into text, or picks a value out of JSON by path. */
export const jsonNode = /* @__PURE__ */ defineNode({
  type: 'json',
  label: 'JSON',
  category: 'Transform',
  description: 'Parse text as JSON, stringify a value, or pick a value by path.',
  inputs: { value: { type: 'any', required: true, label: 'Value' } },
  outputs: { json: { type: 'json', label: 'JSON' }, text: { type: 'text', label: 'Text' } },
  data: JsonData,
  fields: {
    mode: {
      kind: 'select',
      label: 'Mode',
      options: [
        { value: 'parse', label: 'Parse text' },
        { value: 'stringify', label: 'Stringify' },
        { value: 'pick', label: 'Pick a path' },
      ],
    },
    path: {
      kind: 'text',
      label: 'Path',
      placeholder: 'items[0].name',
      showWhen: { mode: ['pick'] },
    },
    pretty: { kind: 'boolean', label: 'Pretty print', showWhen: { mode: ['stringify'] } },
  },
  previewOutput: 'json',
  run: ({ inputs, data, nodeId }) => {
    const input = inputs.value;
    const parse = (text: string): JsonValue => {
      try {
        return JSON.parse(text) as JsonValue;
      } catch (error) {
        throw new GalaxyError(
          'E_NODE_FAILED',
          `The input is not valid JSON: ${(error as Error).message}`,
          { nodeId, cause: error },
        );
      }
    };
    if (data.mode === 'stringify') {
      const text = JSON.stringify(input, null, data.pretty ? 2 : undefined) ?? 'null';
      return { text, json: input as JsonValue };
    }
    const json = typeof input === 'string' ? parse(input) : (input as JsonValue);
    if (data.mode === 'parse') return { json, text: JSON.stringify(json) };
    let picked: unknown;
    try {
      picked = pickJsonPath(json, data.path);
    } catch (error) {
      throw new GalaxyError('E_INVALID_DATA', (error as Error).message, { nodeId, cause: error });
    }
    if (picked === undefined) {
      throw new GalaxyError('E_NODE_FAILED', `Nothing at path "${data.path}" in the input.`, {
        nodeId,
      });
    }
    return {
      json: picked as JsonValue,
      text: typeof picked === 'string' ? picked : JSON.stringify(picked),
    };
  },
});
