import { createServer, type RequestListener, type Server } from 'node:http';
import type { AppConfig } from './config';

/**
 * The app's HTTP server, with the time limits a public server needs: a client that sends its
 * headers or body slower than allowed is answered 408 and disconnected, instead of holding a
 * socket (and a request in the router) open for minutes. Event streams are unaffected: the
 * limits cover receiving the request, not sending the answer.
 */
export function createHttpServer(
  app: RequestListener,
  config: Pick<AppConfig, 'REQUEST_TIMEOUT_MS' | 'HEADERS_TIMEOUT_MS'>,
): Server {
  const shortest = Math.min(config.REQUEST_TIMEOUT_MS, config.HEADERS_TIMEOUT_MS);
  return createServer(
    {
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      // Node looks for expired requests every 30 s by default, so a 30 s limit could take a
      // minute to bite; a quarter of the shortest limit (at most 1 s) keeps it close.
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(shortest / 4))),
    },
    app,
  );
}
