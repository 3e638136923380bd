import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';

/** `GET /health`: liveness, as far as the database answers. */
export function healthRoutes({ store, schemas: s }: ResolvedOptions): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/health',
      auth: false,
      operationId: 'getHealth',
      summary: 'Checks that the database answers.',
      responses: { 200: { schema: s.Health, description: 'The service can serve requests.' } },
      problems: [503],
      async handler(context) {
        try {
          await store.ping();
        } catch (cause) {
          context.log.error({ err: cause }, 'health check failed');
          throw new ProblemError('E_UNAVAILABLE', { detail: 'The database does not answer.' });
        }
        return { status: 200, body: { status: 'ok' } };
      },
    },
  ];
}
