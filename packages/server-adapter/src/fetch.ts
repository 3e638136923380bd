import { bodyTooLarge, ClientAbort } from './body';
import { createGalaxyCore } from './core';
import type { GalaxyOptions } from './options';
import type { CoreRequest, CoreResponse } from './routeTypes';
import type { CoreStream } from './sse';

export interface GalaxyFetchOptions extends GalaxyOptions {
  /** Path the API is served under, stripped before routing (e.g. `/api`). Default `''`. */
  basePath?: string;
  /**
   * The client's address, which a web `Request` does not carry (e.g. Bun's
   * `server.requestIP(request)?.address`). Without it, and without `trustProxy`, failed
   * authentication is not throttled per address. Default none.
   */
  clientAddress?: (request: Request) => string | null | undefined;
}

/** A web-standard handler: Next.js route handlers, Bun, Deno, Cloudflare, Hono. */
export type GalaxyFetchHandler = (request: Request) => Promise<Response>;

async function readWebBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw bodyTooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw request.signal?.aborted ? new ClientAbort(error) : error;
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The request body as it arrives; a request aborted mid-body is the client's doing. */
async function* webBodyStream(request: Request): AsyncGenerator<Uint8Array> {
  if (!request.body) return;
  const reader = request.body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw request.signal?.aborted ? new ClientAbort(error) : error;
      }
      if (chunk.done) return;
      yield chunk.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A byte body as a web stream, pulled as the client reads. */
function toByteStream(bytes: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = bytes[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * The API as `(Request) => Promise<Response>`. In a Next.js app:
 * `const handler = createGalaxyFetchHandler({ ..., basePath: '/api' }); export { handler as GET, handler as POST, handler as PUT, handler as DELETE };`
 */
export function createGalaxyFetchHandler(options: GalaxyFetchOptions): GalaxyFetchHandler {
  const core = createGalaxyCore(options);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  return async (request) => {
    const url = new URL(request.url);
    let path = url.pathname;
    if (basePath !== '') {
      if (path !== basePath && !path.startsWith(`${basePath}/`)) {
        return toResponse(core.notFound(path, request.headers));
      }
      path = path.slice(basePath.length) || '/';
    }
    const coreRequest: CoreRequest = {
      method: request.method,
      url: `${path}${url.search}`,
      headers: request.headers,
      readBody: (maxBytes) => readWebBody(request, maxBytes),
      bodyStream: () => webBodyStream(request),
      clientAddress: options.clientAddress?.(request) ?? null,
    };
    const response = await core.handle(coreRequest);
    if (response?.stream) return toStreamResponse(response, response.stream, request.signal);
    if (response?.bytes) {
      return new Response(toByteStream(response.bytes), {
        status: response.status,
        headers: response.headers,
      });
    }
    return toResponse(response ?? core.notFound(path, request.headers));
  };
}

function toResponse(response: CoreResponse): Response {
  return new Response(response.body, { status: response.status, headers: response.headers });
}

// Bytes a stream may queue before it reports the client as behind.
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** An SSE body as a web `ReadableStream`; cancel (client gone, request aborted) frees it. */
function toStreamResponse(
  response: CoreResponse,
  stream: CoreStream,
  signal: AbortSignal | undefined,
): Response {
  let ended = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (signal?.aborted) {
          ended = true;
          stream.cancel();
          controller.close();
          return;
        }
        signal?.addEventListener(
          'abort',
          () => {
            stream.cancel();
            if (!ended) {
              ended = true;
              controller.error(signal.reason);
            }
          },
          { once: true },
        );
        stream.start({
          write(chunk) {
            // A copy: the bytes are shared by every stream, and a reader may transfer them.
            if (!ended) controller.enqueue(chunk.slice());
          },
          end() {
            if (ended) return;
            ended = true;
            controller.close();
          },
          get bufferedBytes() {
            return STREAM_HIGH_WATER_MARK - (controller.desiredSize ?? 0);
          },
        });
      },
      cancel() {
        ended = true;
        stream.cancel();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER_MARK }),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}
