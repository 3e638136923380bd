import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLarge } from './body';
import { type CoreRequest, createGalaxyCore, type GalaxyOptions } from './core';
import type { CoreStream } from './sse';

/** A Connect-style middleware: what `app.use('/api', router)` and `http.createServer` accept. */
export type GalaxyRouter = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

interface MaybeParsed extends IncomingMessage {
  /** Set when a body parser of the host ran first. */
  body?: unknown;
}

function readNodeBody(req: MaybeParsed, maxBytes: number): Promise<Uint8Array | string> {
  if (req.readableEnded || req.complete) {
    // A host body parser consumed the stream: judge what it parsed by the same limit.
    if (req.body === undefined) return Promise.resolve('');
    const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (Buffer.byteLength(text) > maxBytes) return Promise.reject(bodyTooLarge(maxBytes));
    return Promise.resolve(text);
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
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
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

/**
 * The API as Express 5 middleware: `app.use('/api', createGalaxyRouter(options))`. It reads
 * its own bodies (mount it before `express.json()`, or after: both work) and passes paths
 * it has no route for to `next()`. Express itself is not imported: any Node server works.
 */
export function createGalaxyRouter(options: GalaxyOptions): GalaxyRouter {
  const core = createGalaxyCore(options);
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
    };
    core.handle(request).then(
      (response) => {
        if (!response) {
          if (next) next();
          else {
            const fallback = core.notFound(new URL(request.url, 'http://galaxy.invalid').pathname);
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
        res.end(response.body ?? undefined);
      },
      (error: unknown) => {
        if (next) next(error);
        else res.destroy(error instanceof Error ? error : undefined);
      },
    );
  };
}
