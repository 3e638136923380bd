import { COMMON_DATA_KEYS } from './schema';

/**
 * Stable JSON: object keys sorted, so two equal values always serialize alike.
 * `undefined` members are dropped as JSON.stringify drops them.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const json = JSON.stringify(value);
    return json === undefined ? 'null' : json;
  }
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${stableStringify(member)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * 64-bit FNV-1a as two 32-bit halves, hex. Not cryptographic: it tells whether a
 * node's type, settings and inputs changed since an earlier run, nothing more.
 */
export function hashString(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The hash a node's result carries: its type, its settings and the inputs it ran with. The
 * common keys of `CommonNodeDataSchema` (`label`, `timeoutMs`, `retryPolicy`, `failureMode`)
 * are left out: `run` never sees them, so they cannot change a node's output, and renaming a
 * node or giving it more time must not cost a re-run of its LLM call in "run from here".
 */
export function hashNodeRun(type: string, data: unknown, inputs: unknown): string {
  return hashString(`${type}\u0000${stringifyOwnData(data)}\u0000${stableStringify(inputs)}`);
}

/** `stableStringify` of a node's `data` without its common keys. */
function stringifyOwnData(data: unknown): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return stableStringify(data);
  let own: Record<string, unknown> | undefined;
  for (const key of COMMON_DATA_KEYS) {
    if (Object.hasOwn(data, key)) {
      own ??= { ...data };
      delete own[key];
    }
  }
  return stableStringify(own ?? data);
}
