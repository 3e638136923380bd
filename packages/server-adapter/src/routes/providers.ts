import { describeProviders } from '@galaxyflow/engine';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';

/**
 * `GET /providers`: the model providers this server has, so an editor offers those and no
 * others. The same for every user; names, display names, models and the default, never a key
 * or a base URL.
 */
export function providerRoutes({ providers, schemas: s }: ResolvedOptions): RouteDefinition[] {
  // Built once: the set is fixed for the router's life, and the answer holds nothing per user.
  const list = describeProviders(providers);
  return [
    {
      method: 'GET',
      path: '/providers',
      auth: true,
      operationId: 'listProviders',
      summary:
        'The model providers this server has configured, their models, and which one answers nodes left on "Server default".',
      responses: { 200: { schema: s.ProviderList, description: 'The configured providers.' } },
      problems: [],
      async handler() {
        return { status: 200, body: list };
      },
    },
  ];
}
