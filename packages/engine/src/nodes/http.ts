import * as z from 'zod';
import { defineNode } from '../defineNode';
import { GalaxyError } from '../errors';
import type { JsonValue, PortMap, RunContext } from '../types';
import { templateVariables } from './template';

/** The methods the HTTP Request node sends. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/** One request the HTTP Request node asks the host to make. */
export interface HttpRequest {
  method: (typeof HTTP_METHODS)[number];
  /** An absolute http(s) URL. */
  url: string;
  /** Header names as the node has them; values never contain CR or LF. */
  headers: Record<string, string>;
  /** The body, for methods that send one. */
  body?: string;
  /** Time limit of the whole exchange, redirects included, in ms. */
  timeoutMs: number;
  /** Most bytes of the response body read; past them the transfer is cut off (`E_HTTP_TOO_LARGE`). */
  maxBytes: number;
  /** Header names (lower case) that carry credentials: dropped when a redirect leaves the origin. */
  credentialHeaders: readonly string[];
  /** Stops the exchange (run canceled, node timed out). */
  signal?: AbortSignal;
}

/** What came back, after redirects. */
export interface HttpResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body bytes, at most `maxBytes`. */
  body: Uint8Array;
  /** The URL that answered (after redirects). */
  url: string;
}

/**
 * Makes the HTTP Request node's calls. Servers hand one that guards against SSRF
 * (`createHttpRequester` from `@galaxyflow/engine/node`) to runs as `context.httpRequest`. It
 * throws `GalaxyError`s: `E_HTTP_BLOCKED`, `E_HTTP_TIMEOUT`, `E_HTTP_TOO_LARGE`, `E_HTTP_FETCH`,
 * and returns every status (the node decides what an error status means).
 */
export type HttpRequester = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A secret and where it may go. With `hosts`, the HTTP Request node sends it only to URLs on
 * those host names (`api.github.com`, or `*.example.com` for any subdomain), so a workflow
 * cannot hand it to a server of its author's choosing.
 */
export interface SecretEntry {
  value: string;
  /** Host names the secret may be sent to. Default: any host (only for a single-user server). */
  hosts?: readonly string[];
}

/**
 * Named secrets a workflow may use without holding them: a map of name to value (or
 * `SecretEntry`), or a lookup (e.g. per run owner). Workflows name a secret (`auth.secret`);
 * the value never leaves the server except in the request header.
 */
export type SecretSource =
  | Readonly<Record<string, string | SecretEntry>>
  | ((name: string) => string | SecretEntry | undefined);

/** The host services the HTTP Request node reads from `runWorkflow`'s `context`. */
export interface HttpRunContext {
  /** Makes the calls; without it the node fails with `E_HTTP_UNAVAILABLE` (browsers, the memory client). */
  httpRequest?: HttpRequester;
  /** The secrets workflows may name. Default none. */
  secrets?: SecretSource;
}

/** The requester in a run's context, or undefined. */
export function getHttpRequester(context: RunContext): HttpRequester | undefined {
  return typeof context.httpRequest === 'function'
    ? (context.httpRequest as HttpRequester)
    : undefined;
}

function entryOf(value: unknown): SecretEntry | undefined {
  if (typeof value === 'string') return value !== '' ? { value } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { value: secret, hosts } = value as { value?: unknown; hosts?: unknown };
  if (typeof secret !== 'string' || secret === '') return undefined;
  return Array.isArray(hosts)
    ? { value: secret, hosts: hosts.filter((h): h is string => typeof h === 'string') }
    : { value: secret };
}

/** A named secret from a run's context, or undefined when the host has none by that name. */
export function getSecret(context: RunContext, name: string): SecretEntry | undefined {
  const source = context.secrets;
  if (typeof source === 'function') return entryOf((source as (name: string) => unknown)(name));
  if (typeof source === 'object' && source !== null && Object.hasOwn(source, name)) {
    return entryOf((source as Record<string, unknown>)[name]);
  }
  return undefined;
}

/** Whether a host name is one of `hosts` (exactly, or under a `*.` wildcard), case-insensitively. */
export function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return hosts.some((pattern) => {
    const p = pattern.trim().toLowerCase().replace(/\.$/, '');
    return p.startsWith('*.')
      ? host.endsWith(p.slice(1)) && host.length > p.length - 1
      : host === p;
  });
}

/** Methods a retry cannot make take effect twice. */
const IDEMPOTENT = new Set<string>(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Secret names: capitals, digits and `_`, as environment variables are written. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers that carry credentials: only a named secret may set them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);
/** Headers the requester sets from the request itself. */
const MANAGED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

const AuthSchema = z.object({
  /** The secret's name on the server, e.g. `GITHUB_TOKEN`. */
  secret: z
    .string()
    .trim()
    .regex(SECRET_NAME, 'A secret name is capitals, digits and _, e.g. GITHUB_TOKEN.'),
  /** The header it goes in. Default `Authorization`. */
  header: z.string().trim().regex(HEADER_NAME, 'Not a valid header name.').default('Authorization'),
  /** Written before the value with a space, e.g. `Bearer`; empty for the value alone. Default `Bearer`. */
  scheme: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{0,32}$/, 'A scheme is one word, e.g. Bearer or token.')
    .default('Bearer'),
});

const HttpData = z
  .object({
    method: z.enum(HTTP_METHODS).default('GET'),
    /** The URL; `{{name}}` placeholders are filled from inputs (percent-encoded, except one at the very start). */
    url: z.string().trim().max(8_000).default(''),
    /** Header values may hold `{{name}}` placeholders. */
    headers: z.record(z.string(), z.string().max(8_000)).default({}),
    /** How `body` is sent: `json` fills placeholders with JSON values and must give valid JSON. */
    bodyType: z.enum(['none', 'json', 'text']).default('none'),
    body: z.string().max(1_000_000).default(''),
    /** How the response body is read: `auto` parses JSON when the server says it is JSON. */
    responseType: z.enum(['auto', 'json', 'text']).default('auto'),
    /** Time limit of the request, redirects included, in ms. */
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    /** Most bytes of response body read; a larger response fails the node. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
    /** Fail on a status outside 200–299 (default), or pass it on in `status`. */
    failOnErrorStatus: z.boolean().default(true),
    /** Credentials by name: a secret the server holds, sent in a header. */
    auth: AuthSchema.optional(),
  })
  .superRefine((data, ctx) => {
    if (data.url === '')
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'Set the URL, e.g. https://api.example.com/items/{{id}}.',
      });
    for (const name of Object.keys(data.headers)) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `"${name}" is not a valid header name.`,
        });
      } else if (CREDENTIAL_HEADERS.has(lower) || lower === data.auth?.header.toLowerCase()) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `Credentials are not kept in a workflow: remove the ${name} header and name a server secret under auth instead.`,
        });
      } else if (MANAGED_HEADERS.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `The ${name} header is set by the server.`,
        });
      }
    }
    if (data.bodyType !== 'none' && (data.method === 'GET' || data.method === 'HEAD')) {
      ctx.addIssue({
        code: 'custom',
        path: ['bodyType'],
        message: `A ${data.method} request has no body: pick POST, PUT or PATCH.`,
      });
    }
  });

type HttpSettings = z.output<typeof HttpData>;

/** The `{{name}}` inputs of the node: from the URL, the header values and the body. */
export function httpVariables(
  data: Partial<Pick<HttpSettings, 'url' | 'headers' | 'body' | 'bodyType'>>,
): string[] {
  const texts = [
    data.url ?? '',
    ...Object.values(data.headers ?? {}),
    data.bodyType === 'none' ? '' : (data.body ?? ''),
  ];
  return [
    ...new Set(texts.flatMap((text) => (typeof text === 'string' ? templateVariables(text) : []))),
  ];
}

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/** Fills placeholders with `encode(value)`; the first placeholder at offset 0 is left as is (a whole base URL). */
function fill(
  template: string,
  values: Record<string, unknown>,
  encode: (value: unknown, atStart: boolean) => string,
): string {
  return template.replace(VARIABLE, (whole, name: string, offset: number) =>
    Object.hasOwn(values, name) ? encode(values[name], offset === 0) : whole,
  );
}

function invalid(nodeId: string, message: string): GalaxyError {
  return new GalaxyError('E_HTTP_INVALID_REQUEST', message, { nodeId });
}

/** Hides every occurrence of the secret in a text the node passes on. */
function hide(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('[secret]') : text;
}

function isJsonType(contentType: string | undefined): boolean {
  return (
    contentType !== undefined &&
    /^application\/(?:[\w.+-]+\+)?json\b|^text\/json\b/i.test(contentType.trim())
  );
}

/**
 * Calls an HTTP API: method, URL and header templates filled from its inputs, a JSON or text
 * body, a time limit and a response size cap. Credentials only by name (a server secret). It
 * runs where the host gives it a guarded requester (`context.httpRequest`), i.e. on a server.
 */
export const httpNode = /* @__PURE__ */ defineNode({
  type: 'http',
  label: 'HTTP Request',
  category: 'Integrations',
  description: 'Calls an HTTP API; {{placeholders}} in the URL, headers and body become inputs.',
  inputs: (data: HttpSettings): PortMap =>
    Object.fromEntries(
      httpVariables(data).map((name) => [name, { type: 'any', required: true, label: name }]),
    ),
  outputs: {
    body: {
      type: 'any',
      label: 'Body',
      description: 'Parsed JSON for a JSON response, else text.',
    },
    status: { type: 'json', label: 'Status', description: 'The HTTP status code.' },
    headers: {
      type: 'json',
      label: 'Headers',
      description: 'Response headers, names in lower case.',
    },
  },
  data: HttpData,
  fields: {
    method: { kind: 'select', label: 'Method', options: HTTP_METHODS },
    url: {
      kind: 'text',
      label: 'URL',
      placeholder: 'https://api.example.com/items/{{id}}',
      help: 'Each {{name}} becomes an input (URL-encoded).',
    },
    headers: {
      kind: 'json',
      label: 'Headers',
      placeholder: '{ "Accept": "application/json" }',
      advanced: true,
    },
    auth: {
      kind: 'json',
      label: 'Credentials',
      placeholder: '{ "secret": "GITHUB_TOKEN", "header": "Authorization", "scheme": "Bearer" }',
      help: 'A secret configured on the server, by name; its value never enters the workflow.',
      advanced: true,
    },
    bodyType: {
      kind: 'select',
      label: 'Body',
      options: ['none', 'json', 'text'],
      showWhen: { method: ['POST', 'PUT', 'PATCH', 'DELETE'] },
    },
    body: {
      kind: 'code',
      label: 'Body template',
      placeholder: '{ "query": {{question}} }',
      help: 'JSON: each {{name}} is written as a JSON value.',
      showWhen: { bodyType: ['json', 'text'] },
    },
    responseType: {
      kind: 'select',
      label: 'Read response as',
      options: ['auto', 'json', 'text'],
      advanced: true,
    },
    requestTimeoutMs: {
      kind: 'number',
      label: 'Time limit (ms)',
      min: 100,
      max: 300_000,
      step: 100,
      advanced: true,
    },
    maxResponseBytes: {
      kind: 'number',
      label: 'Largest response (bytes)',
      min: 1,
      step: 1024,
      advanced: true,
    },
    failOnErrorStatus: { kind: 'boolean', label: 'Fail on an error status', advanced: true },
  },
  previewOutput: 'body',
  run: async ({ nodeId, inputs, data, signal, context, log, setMeta }) => {
    const request = getHttpRequester(context);
    if (!request) {
      throw new GalaxyError(
        'E_HTTP_UNAVAILABLE',
        'HTTP Request nodes run on the server only: run this workflow on a server (this host has no guarded HTTP client).',
        { nodeId },
      );
    }
    const values = inputs as Record<string, unknown>;
    const missing = httpVariables(data).filter((name) => values[name] === undefined);
    if (missing.length > 0)
      throw new GalaxyError(
        'E_INPUT_UNAVAILABLE',
        `Placeholders without a value: ${missing.join(', ')}.`,
        { nodeId },
      );

    const url = fill(data.url, values, (value, atStart) =>
      atStart ? asText(value) : encodeURIComponent(asText(value)),
    );
    const parsedUrl = URL.parse(url);
    if (!parsedUrl || (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')) {
      throw invalid(nodeId, 'The URL, once filled in, is not an absolute http(s) URL.');
    }

    const headers: Record<string, string> = {};
    for (const [name, template] of Object.entries(data.headers)) {
      const value = fill(template, values, (v) => asText(v));
      if (/[\r\n\0]/.test(value))
        throw invalid(nodeId, `The ${name} header, once filled in, holds a line break.`);
      headers[name] = value;
    }
    const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);

    let body: string | undefined;
    if (data.bodyType === 'json') {
      body = fill(data.body, values, (value) => JSON.stringify(value ?? null));
      try {
        JSON.parse(body);
      } catch (error) {
        throw invalid(
          nodeId,
          `The JSON body, once filled in, is not valid JSON (${(error as Error).message}).`,
        );
      }
      if (!has('content-type')) headers['Content-Type'] = 'application/json';
    } else if (data.bodyType === 'text') {
      body = fill(data.body, values, (value) => asText(value));
      if (!has('content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
    }
    if (!has('accept'))
      headers.Accept =
        data.responseType === 'text'
          ? 'text/plain, */*'
          : 'application/json, text/plain;q=0.9, */*;q=0.8';

    let secret: string | undefined;
    if (data.auth) {
      const entry = getSecret(context, data.auth.secret);
      if (entry === undefined) {
        throw new GalaxyError(
          'E_HTTP_SECRET_MISSING',
          `This server has no secret named ${data.auth.secret}: ask its administrator to configure it.`,
          {
            nodeId,
            details: { secret: data.auth.secret },
          },
        );
      }
      if (entry.hosts && !hostAllowed(parsedUrl.hostname, entry.hosts)) {
        throw new GalaxyError(
          'E_HTTP_SECRET_HOST',
          `The secret ${data.auth.secret} may only be sent to ${entry.hosts.join(', ')}, not to ${parsedUrl.hostname}.`,
          { nodeId, details: { secret: data.auth.secret, host: parsedUrl.hostname } },
        );
      }
      secret = entry.value;
      if (/[\r\n\0]/.test(secret))
        throw invalid(
          nodeId,
          `The secret ${data.auth.secret} holds a line break and cannot go in a header.`,
        );
      headers[data.auth.header] = data.auth.scheme ? `${data.auth.scheme} ${secret}` : secret;
    }

    const started = Date.now();
    const call: HttpRequest = {
      method: data.method,
      url: parsedUrl.href,
      headers,
      timeoutMs: data.requestTimeoutMs,
      maxBytes: data.maxResponseBytes,
      credentialHeaders: data.auth ? [data.auth.header.toLowerCase()] : [],
      signal,
    };
    if (body !== undefined) call.body = body;
    let response: HttpResponse;
    try {
      response = await request(call);
    } catch (error) {
      if (!(error instanceof GalaxyError)) throw error;
      // The requester never sees the secret outside its header, but a message is checked all the same.
      const message = hide(error.message, secret);
      // A POST or PATCH that timed out or lost its connection may have taken effect: not repeated.
      const retryable = error.retryable && IDEMPOTENT.has(data.method);
      if (message === error.message && retryable === error.retryable) throw error;
      throw new GalaxyError(
        error.code,
        retryable === error.retryable
          ? message
          : `${message} Not retried: a ${data.method} may already have taken effect.`,
        {
          nodeId,
          retryable,
          ...(error.details ? { details: error.details } : {}),
        },
      );
    }

    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      responseHeaders[name] = hide(value, secret);
    const text = hide(new TextDecoder().decode(response.body), secret);
    const contentType = responseHeaders['content-type'];
    let value: JsonValue = text;
    if (
      data.method !== 'HEAD' &&
      (data.responseType === 'json' ||
        (data.responseType === 'auto' && isJsonType(contentType) && text.trim() !== ''))
    ) {
      try {
        value = JSON.parse(text) as JsonValue;
      } catch (error) {
        if (data.responseType === 'json') {
          throw new GalaxyError(
            'E_HTTP_RESPONSE',
            `The response is not valid JSON (${(error as Error).message}).`,
            {
              nodeId,
              details: { status: response.status },
            },
          );
        }
        log(
          'warn',
          `The response says it is ${contentType} but does not parse as JSON; passing it on as text.`,
        );
      }
    }
    setMeta({
      status: response.status,
      bytes: response.body.byteLength,
      durationMs: Date.now() - started,
    });
    log(
      'info',
      `${data.method} ${new URL(response.url).origin}${new URL(response.url).pathname} answered ${response.status} (${response.body.byteLength} bytes).`,
      {
        status: response.status,
        bytes: response.body.byteLength,
      },
    );

    if (data.failOnErrorStatus && (response.status < 200 || response.status > 299)) {
      const retryAfter = Number(responseHeaders['retry-after']);
      throw new GalaxyError('E_HTTP_STATUS', `The server answered HTTP ${response.status}.`, {
        nodeId,
        // 429 and 503 say the request was not handled; other failures repeat only idempotent methods.
        retryable:
          response.status === 429 ||
          response.status === 503 ||
          (IDEMPOTENT.has(data.method) && (response.status === 408 || response.status >= 500)),
        details: { status: response.status, body: text.slice(0, 500) },
        ...(Number.isFinite(retryAfter) && retryAfter >= 0
          ? { retryAfterMs: retryAfter * 1000 }
          : {}),
      });
    }
    return { body: value, status: response.status, headers: responseHeaders };
  },
});
