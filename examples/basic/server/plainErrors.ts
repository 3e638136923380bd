import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/** The HTTP status an error from Express or its middleware carries, 500 when it has none. */
function statusOf(error: unknown): number {
  const candidate =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate < 600 ? candidate : 500;
}

/**
 * The app's last handler. Express's own renders `error.stack` unless `NODE_ENV=production`,
 * so with `npm start` a missing asset answered its absolute ENOENT path and a path that did
 * not decode a URIError stack. Here every error answers its status in plain words, in every
 * mode; the details go to the server log only.
 */
export function plainErrors(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const status = statusOf(error);
    if (status >= 500)
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    else
      logger.debug({ err: error, method: req.method, path: req.path, status }, 'request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(status)
      .type('text')
      .send(`${STATUS_CODES[status] ?? 'Error'}\n`);
  };
}
