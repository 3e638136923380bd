import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CanceledError, GalaxyError } from '../errors';
import type { HttpRequest, HttpRequester, HttpResponse } from '../nodes/http';
import { abortReason } from '../providers/errors';
import { readCappedBody } from './cappedBody';
import { createAddressGuard, type HostResolver } from './guard';

export interface HttpRequesterOptions {
  /** Most redirects followed; each hop is checked again. Default 5. */
  maxRedirects?: number;
  /** Schemes allowed. Default `['https:', 'http:']`. */
  protocols?: readonly ('http:' | 'https:')[];
  /** Resolves host names at connect time. Default: the system resolver (`dns.lookup`). */
  resolve?: HostResolver;
  /**
   * Exact IP addresses exempt from the SSRF policy: an internal API a deployment trusts on
   * purpose, or loopback in tests. Default none.
   */
  allowAddresses?: readonly string[];
  /** Upper bound on any node's time limit, in ms. Default 300,000. */
  maxTimeoutMs?: number;
  /** Upper bound on any node's response size cap, in bytes. Default 50 MiB. */
  maxResponseBytes?: number;
  /** `User-Agent` header, unless the node sets one. Default `GalaxyFlow-HttpRequest`. */
  userAgent?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function blocked(target: string, reason: string): GalaxyError {
  return new GalaxyError(
    'E_HTTP_BLOCKED',
    `The URL may not be called from this server: ${reason}.`,
    { details: { url: target } },
  );
}

function headersOf(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * Makes the HTTP Request node's client for servers, with the image fetcher's SSRF guard: only
 * http(s) URLs without credentials; no loopback, private, link-local (cloud metadata), CGNAT or
 * reserved address in any spelling; every address DNS returns checked at connect time; redirects
 * followed by hand with every hop checked again, and credential headers dropped when a redirect
 * leaves the origin. The body is streamed and cut off past the node's size cap; the time limit
 * covers the whole exchange, redirects included.
 *
 * Hand it to runs as `context.httpRequest`.
 */
export function createHttpRequester(options: HttpRequesterOptions = {}): HttpRequester {
  const maxRedirects = options.maxRedirects ?? 5;
  const protocols = options.protocols ?? ['https:', 'http:'];
  const maxTimeoutMs = options.maxTimeoutMs ?? 300_000;
  const maxResponseBytes = options.maxResponseBytes ?? 50 * 1024 * 1024;
  const guard = createAddressGuard({
    protocols,
    resolve: options.resolve,
    allowAddresses: options.allowAddresses,
    blocked,
  });

  function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing: Record<string, string> = {
        'user-agent': options.userAgent ?? 'GalaxyFlow-HttpRequest',
        // No compression: the size cap then bounds what is read, not a decompression bomb.
        'accept-encoding': 'identity',
      };
      for (const [name, value] of Object.entries(headers)) outgoing[name.toLowerCase()] = value;
      if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
      // A fresh connection per request: a pooled socket might have been opened for another name.
      const req = request(url, {
        method,
        agent: false,
        lookup: guard.lookup,
        signal,
        headers: outgoing,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
  }

  function readBody(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
    return readCappedBody(
      response,
      maxBytes,
      (declared) =>
        new GalaxyError(
          'E_HTTP_TOO_LARGE',
          `The response is ${declared === undefined ? 'larger than that' : `${declared} bytes`}; this node reads at most ${maxBytes} bytes.`,
          { details: { maxBytes } },
        ),
    );
  }

  return async function httpRequestGuarded(call: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = Math.min(call.timeoutMs, maxTimeoutMs);
    const maxBytes = Math.min(call.maxBytes, maxResponseBytes);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let url: URL;
    try {
      url = new URL(call.url);
    } catch {
      throw new GalaxyError('E_HTTP_INVALID_REQUEST', 'The URL is not a valid absolute URL.');
    }
    let method: string = call.method;
    let body = call.body;
    let headers = { ...call.headers };
    const origin = url.origin;
    try {
      for (let hop = 0; ; hop++) {
        guard.checkHop(url);
        const response = await send(url, method, headers, body, signal);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (REDIRECTS.has(status) && location) {
          response.resume();
          if (hop >= maxRedirects)
            throw new GalaxyError(
              'E_HTTP_FETCH',
              `The URL redirected more than ${maxRedirects} times.`,
            );
          url = new URL(location, url);
          // As browsers do: 303 (and 301/302 after a POST) continue as a GET without the body.
          if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
            method = method === 'HEAD' ? 'HEAD' : 'GET';
            body = undefined;
            headers = Object.fromEntries(
              Object.entries(headers).filter(([name]) => !/^content-/i.test(name)),
            );
          }
          if (url.origin !== origin) {
            const drop = new Set([
              'authorization',
              'proxy-authorization',
              'cookie',
              ...call.credentialHeaders,
            ]);
            headers = Object.fromEntries(
              Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())),
            );
          }
          continue;
        }
        const bytes = method === 'HEAD' ? new Uint8Array() : await readBody(response, maxBytes);
        if (method === 'HEAD') response.resume();
        return { status, headers: headersOf(response), body: bytes, url: url.href };
      }
    } catch (error) {
      if (call.signal?.aborted) throw abortReason(call.signal);
      if (timeout.aborted) {
        throw new GalaxyError(
          'E_HTTP_TIMEOUT',
          `The request did not finish within ${timeoutMs} ms.`,
          { retryable: true, cause: error },
        );
      }
      if (error instanceof GalaxyError || error instanceof CanceledError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new GalaxyError(
        'E_HTTP_FETCH',
        `The request failed: ${code ?? (error as Error).message}.`,
        {
          retryable: true,
          cause: error,
          ...(code ? { details: { networkCode: code } } : {}),
        },
      );
    }
  };
}
