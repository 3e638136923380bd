import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `GET /metrics`: the metrics exposition, for a scraper holding `metricsToken` and nobody
 * else. Only present when the host set `metricsToken`; the API's users' tokens do not open it.
 */
export function metricsRoutes({ metricsEndpoint }: ResolvedOptions): RouteDefinition[] {
  if (!metricsEndpoint) return [];
  const expected = digest(metricsEndpoint.token);
  return [
    {
      method: 'GET',
      path: '/metrics',
      // Its own token, checked here: the API's auth adapter knows users, not scrapers.
      auth: false,
      operationId: 'getMetrics',
      summary: 'Metrics in the Prometheus text format, for the bearer of the metrics token.',
      responses: {
        200: {
          schema: z.string(),
          description: 'The metrics exposition.',
          mediaType: 'text/plain',
        },
      },
      problems: [401],
      async handler(context) {
        const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(
          context.headers.get('authorization') ?? '',
        );
        // Digests compare in constant time whatever the lengths.
        if (!presented || !timingSafeEqual(digest(presented[1]!), expected)) {
          throw new ProblemError('E_UNAUTHORIZED', { headers: { 'www-authenticate': 'Bearer' } });
        }
        const { contentType, body } = await metricsEndpoint.render();
        return {
          status: 200,
          body: undefined,
          text: body,
          headers: { 'content-type': contentType },
        };
      },
    },
  ];
}
