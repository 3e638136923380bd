import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';

/** Seconds a load balancer or orchestrator is asked to wait before asking `/ready` again. */
const READY_RETRY_AFTER_SECONDS = 5;

/**
 * `GET /health` (liveness: the process answers; restart it when this fails) and `GET /ready`
 * (readiness: the store takes a write, the queue takes work, and the bus and limiters that
 * have a backend answer; send it no traffic while this fails). Liveness touches nothing else, so a database outage does not get a healthy
 * process restarted in a loop.
 */
export function healthRoutes(options: ResolvedOptions): RouteDefinition[] {
  const { store, queue, events, schemas: s } = options;
  const limiters = [options.rateLimit, options.publicRateLimit, options.authFailureLimit];
  return [
    {
      method: 'GET',
      path: '/health',
      auth: false,
      operationId: 'getHealth',
      summary: 'Liveness: the process answers requests.',
      responses: { 200: { schema: s.Health, description: 'The process is alive.' } },
      problems: [],
      async handler() {
        return { status: 200, body: { status: 'ok' } };
      },
    },
    {
      method: 'GET',
      path: '/ready',
      auth: false,
      operationId: 'getReady',
      summary:
        'Readiness: the database accepts a write, the run queue takes work, and the event bus and request limits answer.',
      responses: { 200: { schema: s.Health, description: 'The service can serve requests.' } },
      problems: [503],
      async handler(context) {
        const unavailable = (detail: string, cause: unknown) => {
          context.log.error({ err: cause }, `readiness check failed: ${detail}`);
          return new ProblemError('E_UNAVAILABLE', {
            detail,
            headers: { 'retry-after': String(READY_RETRY_AFTER_SECONDS) },
          });
        };
        try {
          await store.checkWritable();
        } catch (cause) {
          throw unavailable('The database does not accept writes.', cause);
        }
        try {
          await queue.checkReady?.();
        } catch (cause) {
          throw unavailable('The run queue is not taking work.', cause);
        }
        try {
          await events?.checkReady?.();
        } catch (cause) {
          throw unavailable('The event bus does not carry live run events.', cause);
        }
        try {
          await options.blobs?.ping();
        } catch (cause) {
          throw unavailable('The blob store cannot be reached.', cause);
        }
        for (const limiter of limiters) {
          try {
            if (limiter) await limiter.checkReady?.();
          } catch (cause) {
            throw unavailable('Request limits cannot be checked.', cause);
          }
        }
        return { status: 200, body: { status: 'ok' } };
      },
    },
  ];
}
