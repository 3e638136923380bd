import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';
import { blobRoutes } from './blobs';
import { executeRoutes } from './execute';
import { fileRoutes } from './files';
import { healthRoutes } from './health';
import { metricsRoutes } from './metrics';
import { buildOpenApi, openApiRoutes } from './openapi';
import { providerRoutes } from './providers';
import { runRoutes } from './runs';
import { usageRoutes } from './usage';
import { workflowRoutes } from './workflows';

/** Every route of the API, in matching order, and the OpenAPI document describing them. */
export function createRoutes(options: ResolvedOptions): {
  routes: RouteDefinition[];
  openapi: Record<string, unknown>;
} {
  const routes: RouteDefinition[] = [
    ...healthRoutes(options),
    ...metricsRoutes(options),
    ...openApiRoutes(() => openapi),
    ...workflowRoutes(options),
    ...executeRoutes(options),
    ...runRoutes(options),
    ...fileRoutes(options),
    ...blobRoutes(options),
    ...providerRoutes(options),
    ...usageRoutes(options),
  ];
  const openapi = buildOpenApi(routes, options.schemas.Problem);
  return { routes, openapi };
}
