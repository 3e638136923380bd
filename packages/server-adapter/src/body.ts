import { ProblemError } from './errors';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** `application/json` or any `+json` type; a charset other than UTF-8 is refused. */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const [type = '', ...params] = header.toLowerCase().split(';');
  const mediaType = type.trim();
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    return false;
  }
  return params.every((param) => {
    const [name, value] = param.split('=').map((part) => part.trim());
    return name !== 'charset' || value === 'utf-8' || value === '"utf-8"';
  });
}

/**
 * The client went away (closed the connection, or the server's request timeout cut it off)
 * before its body arrived. Nobody is left to answer, and nothing on the server failed: the
 * core logs it at info as a client abort, never as a 500.
 */
export class ClientAbort extends Error {
  override name = 'ClientAbort';
  constructor(cause?: unknown) {
    super(
      'The client closed the connection before the request body arrived.',
      cause === undefined ? undefined : { cause },
    );
  }
}

export function bodyTooLarge(maxBytes: number): ProblemError {
  return new ProblemError('E_BODY_TOO_LARGE', {
    detail: `The request body is larger than ${maxBytes} bytes.`,
  });
}

/**
 * Parses a JSON body and walks it once, without recursion (a 10,000-deep document cannot
 * overflow the stack), refusing documents nested deeper than `maxDepth` and any `__proto__`
 * key: such a key is harmless to `JSON.parse` but becomes prototype pollution the moment a
 * library merges the object.
 */
export function parseJsonBody(bytes: Uint8Array | string, maxDepth: number): unknown {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : decoder.decode(bytes);
  } catch (cause) {
    throw new ProblemError('E_MALFORMED_JSON', { detail: 'The body is not valid UTF-8.', cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ProblemError('E_MALFORMED_JSON', {
      detail: cause instanceof Error ? cause.message : 'The body is not valid JSON.',
      cause,
    });
  }
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) {
      throw new ProblemError('E_BODY_TOO_DEEP', {
        detail: `The body is nested more than ${maxDepth} levels deep.`,
      });
    }
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__') {
        throw new ProblemError('E_FORBIDDEN_KEY', {
          detail: 'The body contains the key "__proto__".',
        });
      }
      stack.push([(current as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return value;
}
