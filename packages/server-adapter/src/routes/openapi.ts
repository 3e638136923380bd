import * as z from 'zod';
import type { RouteDefinition } from '../routeTypes';

/**
 * `GET /openapi.json`. The document describes every route, this one included, so it is read
 * through `document` once all routes exist.
 */
export function openApiRoutes(document: () => Record<string, unknown>): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/openapi.json',
      auth: false,
      operationId: 'getOpenApi',
      summary: 'This API described as OpenAPI 3.1.',
      responses: {
        200: { schema: z.record(z.string(), z.unknown()), description: 'The document.' },
      },
      problems: [],
      async handler() {
        return {
          status: 200,
          body: document(),
          headers: { 'cache-control': 'public, max-age=300' },
        };
      },
    },
  ];
}

const problemDescriptions: Record<number, string> = {
  400: 'The request is malformed or does not match the schema.',
  401: 'Missing or invalid credentials.',
  404: 'Not found (or not yours).',
  405: 'Method not allowed.',
  409: 'Conflict with the stored state.',
  429: 'Rate limited, or too many open event streams; see `Retry-After`.',
  413: 'The body is too large.',
  415: 'The body is not JSON.',
  422: 'The workflow cannot run; `issues` lists why.',
  428: 'The request must say which version it edits.',
  500: 'Server error.',
  503: 'Unavailable: a backend (database, queue, shared request limits) does not answer; see `Retry-After`.',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** The OpenAPI 3.1 document of `routes`; every problem response uses the `problem` schema. */
export function buildOpenApi(
  routes: readonly RouteDefinition[],
  problem: z.ZodType,
): Record<string, unknown> {
  const problemSchema = jsonSchema(problem, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const template = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const query = jsonSchema(route.query, 'input') as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({
          name,
          in: 'query',
          required: query.required?.includes(name) ?? false,
          schema,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] =
        status === '204' || status === '304'
          ? { description: response.description }
          : {
              description: response.description,
              content: Object.fromEntries(
                [response.mediaType ?? 'application/json']
                  .flat()
                  .map((mediaType) => [
                    mediaType,
                    { schema: jsonSchema(response.schema, 'output') },
                  ]),
              ),
            };
    }
    // 503: a signed-in route reads the store, which can be down, and any route answers it
    // while the request limits' shared store (Redis) is down.
    const shared = route.auth ? [401, 405, 429, 500, 503] : [405, 429, 500, 503];
    for (const status of [...route.problems, ...shared]) {
      responses[String(status)] = {
        description: problemDescriptions[status] ?? 'Problem.',
        content: { 'application/problem+json': { schema: problemSchema } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      responses,
      security: route.auth ? [{ bearer: [] }] : [],
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (route.body) {
      operation.requestBody = {
        required: !route.body.optional,
        content: { 'application/json': { schema: jsonSchema(route.body.schema, 'input') } },
      };
    }
    paths[template] ??= {};
    paths[template][route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Galaxy Flow API', version: '0.1.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
