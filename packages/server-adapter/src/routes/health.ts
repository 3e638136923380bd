import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';

/** Seconds a load balancer or orchestrator is asked to wait before asking `/ready` again. */
const READY_RETRY_AFTER_SECONDS = 5;

/**
 * `GET /health` (liveness: the process answers; restart it when this fails) and `GET /ready`
 * (readiness: the store takes a write and the queue takes work; send it no traffic while
 * this fails). Liveness touches nothing else, so a database outage does not get a healthy
 * process restarted in a loop.
 */
export function healthRoutes({ store, queue, schemas: s }: ResolvedOptions): RouteDefinition[] {
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
      summary: 'Readiness: the database accepts a write and the run queue takes work.',
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
        return { status: 200, body: { status: 'ok' } };
      },
    },
  ];
}
