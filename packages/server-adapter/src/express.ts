import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bodyTooLarge, ClientAbort } from './body';
import { createGalaxyCore } from './core';
import type { GalaxyOptions } from './options';
import type { CoreRequest } from './routeTypes';
import type { CoreStream } from './sse';

/** A Connect-style middleware: what `app.use('/api', router)` and `http.createServer` accept. */
export type GalaxyRouter = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

interface MaybeParsed extends IncomingMessage {
  /** What a host body parser (express.json(), body-parser) parsed, when one ran first. */
  body?: unknown;
  /** Set by body-parser 1.x (Express 4) once it has read the body. */
  _body?: boolean;
}

/**
 * The body a host parser left on the request, as text or bytes for our own checks, or
 * undefined when no parser set one. `req.complete` says nothing here: after an async
 * middleware a small body has fully arrived yet nobody has read it.
 */
function preParsedBody(req: MaybeParsed): Uint8Array | string | undefined {
  if (req._body !== true && req.body === undefined) return undefined;
  const body = req.body;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  return JSON.stringify(body) ?? '';
}

function readNodeBody(req: MaybeParsed, maxBytes: number): Promise<Uint8Array | string> {
  // Only a stream someone consumed is off limits; an unread one is read here, however long
  // the host's middleware took before the router saw it.
  if (req.readableEnded || !req.readable) {
    const parsed = preParsedBody(req);
    if (parsed === undefined) return Promise.resolve('');
    // Judged by our limit and parsed again by the core: depth, "__proto__" and the schema
    // apply to what the host's parser produced, with our problem documents.
    const size = typeof parsed === 'string' ? Buffer.byteLength(parsed) : parsed.byteLength;
    if (size > maxBytes) return Promise.reject(bodyTooLarge(maxBytes));
    return Promise.resolve(parsed);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(bodyTooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        cleanup();
        // Stop reading but keep the socket: the 413 must still reach the client.
        req.pause();
        reject(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    // A connection that ends before the body does (the client left, or the server's request
    // timeout cut it off) is the client's doing: Node reports it as an ECONNRESET "aborted".
    const onError = (error: Error) => {
      cleanup();
      reject(req.complete ? error : new ClientAbort(error));
    };
    // Destroyed without an error: 'end' will never come.
    const onClose = () => {
      cleanup();
      reject(new ClientAbort());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The request body as it arrives; a connection lost mid-body is the client's doing. */
async function* nodeBodyStream(req: MaybeParsed): AsyncGenerator<Uint8Array> {
  if (req.readableEnded || !req.readable) {
    // A host body parser read it first (express.raw()): what it kept is the body.
    const parsed = preParsedBody(req);
    if (parsed !== undefined && parsed !== '') {
      yield typeof parsed === 'string' ? Buffer.from(parsed) : parsed;
    }
    return;
  }
  try {
    // Not destroyed when the reader stops early (a refused upload): the answer must still
    // reach the client over this connection.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  } catch (error) {
    throw req.complete ? error : new ClientAbort(error);
  }
  if (!req.complete) throw new ClientAbort();
}

/** Streams an SSE body to a Node response; the client leaving frees the stream at once. */
function pipeStream(stream: CoreStream, res: ServerResponse): void {
  if (res.destroyed || res.socket?.destroyed) {
    stream.cancel();
    return;
  }
  res.on('close', () => stream.cancel());
  // Send the headers now: the first event may be a while away.
  res.flushHeaders();
  stream.start({
    write(chunk) {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
    get bufferedBytes() {
      return res.writableLength;
    },
  });
}

/** Options of `createGalaxyRouter`: the shared ones plus how the mount point is shared. */
export interface GalaxyRouterOptions extends GalaxyOptions {
  /**
   * Passes paths under the mount point that no route has to `next()`, for a host that serves
   * its own routes under the same prefix (mounted after the router). When false the router
   * owns its prefix: such paths answer 404 problems, never a host page. Malformed paths
   * (bad percent-encoding, `.`/`..` segments) answer 400 either way. Default false.
   */
  fallthrough?: boolean;
}

/**
 * The API as Express 5 middleware: `app.use('/api', createGalaxyRouter(options))`. It reads
 * its own bodies and answers every path under its mount point: paths it has no route for
 * get a 404 problem (or go to `next()` with `fallthrough`). Express itself is not imported:
 * any Node server works.
 *
 * Mount it before any body parser. Behind one (`app.use(express.json())` first) a body the
 * parser accepted still gets this API's limits and checks and problem documents, but a body
 * the parser refuses (over its own limit, 100 kB by default, or not JSON) is answered by the
 * parser and the host's error handler before the API sees the request.
 */
export function createGalaxyRouter(options: GalaxyRouterOptions): GalaxyRouter {
  const core = createGalaxyCore(options);
  const fallthrough = options.fallthrough ?? false;
  return (req, res, next) => {
    const request: CoreRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get(name) {
          const value = req.headers[name.toLowerCase()];
          if (value === undefined) return null;
          return Array.isArray(value) ? value.join(', ') : value;
        },
      },
      readBody: (maxBytes) => readNodeBody(req, maxBytes),
      bodyStream: () => nodeBodyStream(req),
      clientAddress: req.socket?.remoteAddress ?? null,
    };
    core.handle(request).then(
      (response) => {
        if (!response) {
          if (fallthrough && next) next();
          else {
            const fallback = core.notFound(request.url.split('?')[0]!, request.headers);
            res.writeHead(fallback.status, fallback.headers).end(fallback.body);
          }
          return;
        }
        const headers: Record<string, string> = { ...response.headers };
        if (!req.complete) headers.connection = 'close';
        res.writeHead(response.status, headers);
        if (response.stream) {
          pipeStream(response.stream, res);
          return;
        }
        if (response.bytes) {
          // A read that fails mid-file can only cut the connection: the status is sent.
          pipeline(Readable.from(response.bytes, { objectMode: false }), res).catch(() => {
            res.destroy();
          });
          return;
        }
        res.end(response.body ?? undefined);
      },
      (error: unknown) => {
        if (next) next(error);
        else res.destroy(error instanceof Error ? error : undefined);
      },
    );
  };
}
