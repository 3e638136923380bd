import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GalaxyError } from '../errors';
import { abortReason, providerError } from '../providers/errors';
import { checkImageBytes, DEFAULT_MAX_IMAGE_BYTES, IMAGE_MIME_TYPES, type ImageFetcher, type ImageLimits } from '../providers/images';
import type { ImageData } from '../providers/types';
import { readCappedBody } from './cappedBody';
import { createAddressGuard, type HostResolver } from './guard';

export type { HostResolver } from './guard';

export interface ImageFetcherOptions extends ImageLimits {
  /** Time limit of one download, redirects included, in ms. Default 15,000. */
  timeoutMs?: number;
  /** Most redirects followed; each hop is checked again. Default 5. */
  maxRedirects?: number;
  /** Schemes allowed. Default `['https:', 'http:']`. */
  protocols?: readonly ('http:' | 'https:')[];
  /** Resolves host names at connect time. Default: the system resolver (`dns.lookup`). */
  resolve?: HostResolver;
  /**
   * Exact IP addresses exempt from the SSRF policy, for an internal image host a deployment
   * trusts on purpose (and for tests on loopback). Default none.
   */
  allowAddresses?: readonly string[];
  /** `User-Agent` header. Default `GalaxyFlow-ImageFetcher`. */
  userAgent?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Makes the Vision node's image downloader for servers, hardened against SSRF:
 * - only http(s) URLs without credentials;
 * - no loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast or
 *   reserved address, in any spelling (decimal, octal, hex, short IPv4; IPv4-mapped and
 *   other IPv6 forms);
 * - the address is checked when the socket connects, on what DNS actually returned, so a
 *   name that re-resolves to an internal address (DNS rebinding) is refused too;
 * - redirects are followed by hand and every hop is checked again;
 * - size and MIME limits (the bytes are sniffed; `Content-Type` is not trusted), a timeout,
 *   and the caller's abort signal.
 *
 * Hand it to runs as `context.fetchImage`.
 */
export function createImageFetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const protocols = options.protocols ?? ['https:', 'http:'];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const allowedTypes = options.allowedTypes ?? IMAGE_MIME_TYPES;
  const limits: ImageLimits = { maxBytes, allowedTypes };

  const blocked = (target: string, reason: string) =>
    providerError('E_SSRF_BLOCKED', `The image URL may not be fetched: ${reason}.`, { details: { url: target } });
  const { checkHop, lookup: guardedLookup } = createAddressGuard({
    protocols,
    resolve: options.resolve,
    allowAddresses: options.allowAddresses,
    blocked,
  });

  function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'GET',
        // A fresh connection per request: a pooled socket might have been opened for another name.
        agent: false,
        lookup: guardedLookup,
        signal,
        headers: {
          accept: allowedTypes.join(', '),
          // No compression: the size limit then bounds what is read, not a decompression bomb.
          'accept-encoding': 'identity',
          'user-agent': options.userAgent ?? 'GalaxyFlow-ImageFetcher',
        },
      });
      req.once('response', resolvePromise);
      req.once('error', reject);
      req.end();
    });
  }

  function readBody(response: IncomingMessage, target: string): Promise<Uint8Array> {
    return readCappedBody(response, maxBytes, (declared) =>
      declared === undefined
        ? providerError('E_IMAGE_TOO_LARGE', `The image at ${target} is larger than the limit of ${maxBytes} bytes.`, {
            details: { maxBytes },
          })
        : providerError('E_IMAGE_TOO_LARGE', `The image at ${target} is ${declared} bytes; the limit is ${maxBytes} bytes.`, {
            details: { bytes: declared, maxBytes },
          }),
    );
  }

  return async function fetchImage(input: string, callOptions: { signal?: AbortSignal } = {}): Promise<ImageData> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw providerError('E_IMAGE_INVALID', 'The image URL is not a valid URL.');
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeout]) : timeout;
    try {
      for (let hop = 0; ; hop++) {
        checkHop(url);
        const response = await get(url, signal);
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          response.resume();
          const location = response.headers.location;
          if (!location) throw providerError('E_IMAGE_FETCH', `The image URL redirected (HTTP ${status}) without a Location.`);
          if (hop >= maxRedirects) throw providerError('E_IMAGE_FETCH', `The image URL redirected more than ${maxRedirects} times.`);
          url = new URL(location, url);
          continue;
        }
        if (status < 200 || status > 299) {
          response.resume();
          throw providerError('E_IMAGE_FETCH', `The image URL answered HTTP ${status}.`, {
            retryable: status === 429 || status >= 500,
            details: { status },
          });
        }
        const declaredType = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        if (declaredType && declaredType !== 'application/octet-stream' && !allowedTypes.includes(declaredType)) {
          response.destroy();
          throw providerError('E_IMAGE_TYPE', `The URL serves ${declaredType}, not an image; use ${allowedTypes.join(', ')}.`, {
            details: { declaredType },
          });
        }
        const bytes = await readBody(response, url.href);
        const mimeType = checkImageBytes(bytes.subarray(0, 32), declaredType, limits);
        return { mimeType, base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
      }
    } catch (error) {
      if (callOptions.signal?.aborted) throw abortReason(callOptions.signal);
      if (timeout.aborted) {
        throw providerError('E_IMAGE_FETCH', `The image did not download within ${timeoutMs} ms.`, { retryable: true, cause: error });
      }
      if (error instanceof GalaxyError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw providerError('E_IMAGE_FETCH', `The image could not be downloaded: ${code ?? (error as Error).message}.`, {
        retryable: true,
        cause: error,
        details: code ? { networkCode: code } : {},
      });
    }
  };
}
