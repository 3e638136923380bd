import { createHash } from 'node:crypto';
import { type ErrorInfo, stableStringify, validateWorkflow } from '@galaxyflow/engine';
import { z } from 'zod';
import type { ResolvedOptions, RouteContext, RouteResult } from './core';
import { ProblemError, type ProblemIssue, type RunErrorCode, runErrorCodes } from './errors';
import { createRunEventStream } from './sse';
import { graphOf } from './store/shared';
import type { SaveResult, WorkflowGraph } from './store/types';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One route of the API: how to answer it, and how `openapi.json` describes it. */
export interface RouteDefinition {
  method: Method;
  /** Express-style pattern relative to the mount point, e.g. `/workflows/:id`. */
  path: string;
  /** Whether the route needs credentials. */
  auth: boolean;
  operationId: string;
  summary: string;
  body?: { schema: z.ZodType; optional?: boolean };
  query?: z.ZodType;
  /** Success responses by status. Problems are added from `problems`. */
  responses: Record<number, { schema: z.ZodType; description: string; mediaType?: string }>;
  /** Problem statuses the route may answer with, besides those every route shares. */
  problems: number[];
  handler(context: RouteContext): Promise<RouteResult>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyConflict(runId: string): ProblemError {
  return new ProblemError('E_IDEMPOTENCY_CONFLICT', {
    detail: `This Idempotency-Key already started run ${runId} with another body; use a new key.`,
  });
}

function replayed(runId: string): RouteResult {
  return { status: 202, body: { runId }, headers: { 'idempotent-replayed': 'true' } };
}

function runError(code: RunErrorCode): ErrorInfo {
  return { code, message: runErrorCodes[code], retryable: code === 'E_ENQUEUE_FAILED' };
}

/** Reads `expectedVersion` from the body or a strong `If-Match: "<version>"`. */
function expectedVersionOf(
  context: RouteContext,
  fromBody: number | undefined,
): number | 'any' | undefined {
  const header = context.headers.get('if-match');
  if (header === null) return fromBody;
  if (header.trim() === '*') return fromBody ?? 'any';
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (!match) {
    throw new ProblemError('E_INVALID_HEADER', {
      detail: 'If-Match must be the workflow\'s ETag, e.g. "3".',
    });
  }
  const version = Number(match[1]);
  if (fromBody !== undefined && fromBody !== version) {
    throw new ProblemError('E_INVALID_HEADER', {
      detail: 'If-Match and expectedVersion disagree.',
    });
  }
  return version;
}

function etag(version: number): Record<string, string> {
  return { etag: `"${version}"` };
}

function saved(result: SaveResult | { ok: false; reason: 'version_not_found' }): RouteResult {
  if (result.ok) {
    return { status: 200, body: result.workflow, headers: etag(result.workflow.version) };
  }
  if (result.reason === 'not_found') throw new ProblemError('E_WORKFLOW_NOT_FOUND');
  if (result.reason === 'version_not_found') throw new ProblemError('E_VERSION_NOT_FOUND');
  throw new ProblemError('E_VERSION_CONFLICT', {
    detail: `The workflow is at version ${result.currentVersion}; reload it and apply your changes again.`,
    extensions: { currentVersion: result.currentVersion },
  });
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 ? value : undefined;
}

/** Reads `Last-Event-ID` (header, or `lastEventId` in the query for clients that cannot set headers). */
function lastEventIdOf(context: RouteContext): number {
  const raw = context.headers.get('last-event-id') ?? context.query.get('lastEventId');
  if (raw === null || raw.trim() === '') return 0;
  if (!/^\s*\d{1,15}\s*$/.test(raw)) {
    throw new ProblemError('E_INVALID_HEADER', {
      detail: 'Last-Event-ID must be the id of an event this stream sent (a whole number).',
    });
  }
  return Number(raw);
}

export function createRoutes(options: ResolvedOptions): {
  routes: RouteDefinition[];
  openapi: Record<string, unknown>;
} {
  const { store, queue, registry, schemas: s, limits, events, streams, logger } = options;
  // Open event streams per user, held from the 200 until the stream ends.
  const openStreams = new Map<string, number>();

  const routes: RouteDefinition[] = [
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
        return { status: 200, body: openapi, headers: { 'cache-control': 'public, max-age=300' } };
      },
    },
    {
      method: 'GET',
      path: '/workflows',
      auth: true,
      operationId: 'listWorkflows',
      summary: 'Lists your workflows, newest first, with run count and last run status.',
      query: s.WorkflowListQuery,
      responses: { 200: { schema: s.WorkflowPage, description: 'A page of workflows.' } },
      problems: [400],
      async handler(context) {
        const query = context.parseQuery(s.WorkflowListQuery);
        const page = await store.listWorkflows(context.userId, {
          page: query.page,
          limit: query.limit,
          ...(query.q === undefined ? {} : { q: query.q }),
        });
        return { status: 200, body: page };
      },
    },
    {
      method: 'POST',
      path: '/workflows',
      auth: true,
      operationId: 'createWorkflow',
      summary: 'Saves a new workflow as version 1.',
      body: { schema: s.WorkflowCreateBody },
      responses: { 201: { schema: s.Workflow, description: 'The saved workflow.' } },
      problems: [400, 413, 415],
      async handler(context) {
        const body = await context.body(s.WorkflowCreateBody);
        const workflow = await store.createWorkflow(context.userId, body);
        return { status: 201, body: workflow, headers: etag(workflow.version) };
      },
    },
    {
      method: 'GET',
      path: '/workflows/:id',
      auth: true,
      operationId: 'getWorkflow',
      summary: 'One workflow; its ETag is its version.',
      responses: { 200: { schema: s.Workflow, description: 'The workflow.' } },
      problems: [404],
      async handler(context) {
        const workflow = await store.getWorkflow(context.userId, context.params.id!);
        if (!workflow) throw new ProblemError('E_WORKFLOW_NOT_FOUND');
        return { status: 200, body: workflow, headers: etag(workflow.version) };
      },
    },
    {
      method: 'PUT',
      path: '/workflows/:id',
      auth: true,
      operationId: 'updateWorkflow',
      summary:
        'Saves changes as the next version. Needs `expectedVersion` or `If-Match`; 409 when someone saved since.',
      body: { schema: s.WorkflowUpdateBody },
      responses: { 200: { schema: s.Workflow, description: 'The saved workflow.' } },
      problems: [400, 404, 409, 413, 415, 428],
      async handler(context) {
        const { expectedVersion: fromBody, ...changes } = await context.body(s.WorkflowUpdateBody);
        const expected = expectedVersionOf(context, fromBody);
        if (expected === undefined) throw new ProblemError('E_PRECONDITION_REQUIRED');
        let version: number;
        if (expected === 'any') {
          const current = await store.getWorkflow(context.userId, context.params.id!);
          if (!current) throw new ProblemError('E_WORKFLOW_NOT_FOUND');
          version = current.version;
        } else {
          version = expected;
        }
        const defined = Object.fromEntries(
          Object.entries(changes).filter(([, value]) => value !== undefined),
        );
        return saved(
          await store.updateWorkflow(context.userId, context.params.id!, defined, version),
        );
      },
    },
    {
      method: 'DELETE',
      path: '/workflows/:id',
      auth: true,
      operationId: 'deleteWorkflow',
      summary: 'Deletes a workflow. Its runs stay in the history.',
      responses: { 204: { schema: z.null(), description: 'Deleted.' } },
      problems: [404],
      async handler(context) {
        const deleted = await store.deleteWorkflow(context.userId, context.params.id!);
        if (!deleted) throw new ProblemError('E_WORKFLOW_NOT_FOUND');
        return { status: 204, body: undefined };
      },
    },
    {
      method: 'GET',
      path: '/workflows/:id/versions',
      auth: true,
      operationId: 'listWorkflowVersions',
      summary: 'The saved versions of a workflow, newest first.',
      query: s.PageQuery,
      responses: { 200: { schema: s.WorkflowVersionPage, description: 'A page of versions.' } },
      problems: [400, 404],
      async handler(context) {
        const query = context.parseQuery(s.PageQuery);
        const page = await store.listWorkflowVersions(context.userId, context.params.id!, query);
        if (!page) throw new ProblemError('E_WORKFLOW_NOT_FOUND');
        return { status: 200, body: page };
      },
    },
    {
      method: 'GET',
      path: '/workflows/:id/versions/:version',
      auth: true,
      operationId: 'getWorkflowVersion',
      summary: 'One saved version of a workflow.',
      responses: { 200: { schema: s.WorkflowVersion, description: 'The snapshot.' } },
      problems: [404],
      async handler(context) {
        const version = positiveInt(context.params.version);
        const snapshot =
          version === undefined
            ? undefined
            : await store.getWorkflowVersion(context.userId, context.params.id!, version);
        if (!snapshot) {
          // Tell "no such workflow" from "no such version" only to the owner.
          const exists = await store.getWorkflow(context.userId, context.params.id!);
          throw new ProblemError(exists ? 'E_VERSION_NOT_FOUND' : 'E_WORKFLOW_NOT_FOUND');
        }
        return { status: 200, body: snapshot };
      },
    },
    {
      method: 'POST',
      path: '/workflows/:id/versions/:version/restore',
      auth: true,
      operationId: 'restoreWorkflowVersion',
      summary: 'Makes an old version current by saving it as the next version.',
      body: { schema: s.RestoreBody, optional: true },
      responses: { 200: { schema: s.Workflow, description: 'The workflow after the restore.' } },
      problems: [400, 404, 409, 413, 415],
      async handler(context) {
        const { expectedVersion: fromBody } = await context.body(s.RestoreBody, { optional: true });
        const expected = expectedVersionOf(context, fromBody);
        const version = positiveInt(context.params.version);
        if (version === undefined) {
          const exists = await store.getWorkflow(context.userId, context.params.id!);
          throw new ProblemError(exists ? 'E_VERSION_NOT_FOUND' : 'E_WORKFLOW_NOT_FOUND');
        }
        return saved(
          await store.restoreWorkflowVersion(
            context.userId,
            context.params.id!,
            version,
            expected === 'any' ? undefined : expected,
          ),
        );
      },
    },
    {
      method: 'POST',
      path: '/execute',
      auth: true,
      operationId: 'execute',
      summary:
        'Queues a run of a saved workflow (`workflowId`, `version`) or of an unsaved graph (`nodes`, `edges`). Honours `Idempotency-Key`.',
      body: { schema: s.ExecuteBody },
      responses: { 202: { schema: s.ExecuteAccepted, description: 'The run is queued.' } },
      problems: [400, 404, 409, 413, 415, 422, 503],
      async handler(context) {
        const key = context.headers.get('idempotency-key');
        if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
          throw new ProblemError('E_INVALID_HEADER', {
            detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
          });
        }
        const raw = await context.body(z.unknown());
        // A retry is answered before anything else: its workflow may have been deleted or
        // changed since, and it must still get the run the first request made.
        const requestHash =
          key === null
            ? undefined
            : createHash('sha256').update(stableStringify(raw)).digest('hex');
        if (key !== null && requestHash !== undefined) {
          const remembered = await store.getIdempotencyKey(context.userId, key);
          if (remembered) {
            if (remembered.requestHash !== requestHash) throw idempotencyConflict(remembered.runId);
            return replayed(remembered.runId);
          }
        }
        const isSaved = typeof raw === 'object' && raw !== null && 'workflowId' in raw;
        const parsed = (isSaved ? s.ExecuteSavedBody : s.ExecuteGraphBody).safeParse(raw);
        if (!parsed.success) {
          throw new ProblemError('E_INVALID_BODY', {
            issues: parsed.error.issues.map((issue) => ({
              code: issue.code,
              message: issue.message,
              path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
            })),
          });
        }
        const body = parsed.data as z.output<typeof s.ExecuteSavedBody> &
          z.output<typeof s.ExecuteGraphBody>;

        let graph: unknown;
        let workflowId: string | null = null;
        let workflowVersion: number | null = null;
        if (isSaved) {
          const workflow = await store.getWorkflow(context.userId, body.workflowId);
          if (!workflow) throw new ProblemError('E_WORKFLOW_NOT_FOUND');
          workflowId = workflow.id;
          if (body.version === undefined || body.version === workflow.version) {
            workflowVersion = workflow.version;
            graph = graphOf(workflow);
          } else {
            const snapshot = await store.getWorkflowVersion(
              context.userId,
              workflow.id,
              body.version,
            );
            if (!snapshot) throw new ProblemError('E_VERSION_NOT_FOUND');
            workflowVersion = snapshot.version;
            graph = graphOf(snapshot);
          }
        } else {
          graph = { nodes: body.nodes, edges: body.edges, settings: body.settings };
        }
        const validation = validateWorkflow(graph, registry, {
          limits: limits.workflow,
          ...(body.targetNodeIds ? { targetNodeIds: body.targetNodeIds } : {}),
        });
        if (!validation.ok) {
          throw new ProblemError('E_INVALID_WORKFLOW', {
            detail: validation.issues[0]?.message ?? 'The workflow is invalid.',
            issues: validation.issues.map((issue) => {
              const out: ProblemIssue = { code: issue.code, message: issue.message };
              if (issue.path) out.path = issue.path;
              if (issue.nodeId !== undefined) out.nodeId = issue.nodeId;
              if (issue.edgeId !== undefined) out.edgeId = issue.edgeId;
              if (issue.nodeIds) out.nodeIds = issue.nodeIds;
              return out;
            }),
          });
        }
        if (body.reuseRunId !== undefined) {
          const earlier = await store.getRun(context.userId, body.reuseRunId);
          if (!earlier) {
            throw new ProblemError('E_RUN_NOT_FOUND', {
              detail: 'The run to reuse does not exist.',
            });
          }
        }
        const adHoc: WorkflowGraph | null = isSaved ? null : graphOf(validation.workflow);
        const created = await store.createRun(context.userId, {
          workflowId,
          workflowVersion,
          graph: adHoc,
          scope: body.targetNodeIds ? 'PARTIAL' : 'FULL',
          targetNodeIds: body.targetNodeIds ?? null,
          reuseRunId: body.reuseRunId ?? null,
          ...(key === null || requestHash === undefined
            ? {}
            : { idempotency: { key, requestHash, ttlMs: limits.idempotencyTtlMs } }),
        });
        // A concurrent first request with the same key may have won the race since the lookup.
        if (!created.ok) throw idempotencyConflict(created.runId);
        const runId = created.run.id;
        if (created.replayed) return replayed(runId);
        let queued: Awaited<ReturnType<typeof queue.enqueue>>;
        try {
          queued = await queue.enqueue(runId, { userId: context.userId });
        } catch (cause) {
          context.log.error({ err: cause, runId }, 'enqueue failed');
          // A run nobody will pick up must not sit QUEUED forever, nor read as canceled by the
          // user: it ends FAILED saying why, and its key is forgotten so a retry starts afresh.
          await store.abandonRun(runId, runError('E_ENQUEUE_FAILED'));
          throw new ProblemError('E_UNAVAILABLE', {
            detail: 'The run queue is not available; nothing ran. Try again shortly.',
            headers: { 'retry-after': '5' },
            cause,
          });
        }
        if (queued?.externalId !== undefined) {
          // The job is queued: a failure to note its id must not turn into a 503 and a retry
          // that runs the workflow twice.
          try {
            await store.setRunExternalId(runId, queued.externalId);
          } catch (cause) {
            context.log.error({ err: cause, runId }, 'recording the queue job id failed');
          }
        }
        return { status: 202, body: { runId } };
      },
    },
    {
      method: 'GET',
      path: '/runs',
      auth: true,
      operationId: 'listRuns',
      summary: 'Lists your runs, newest first; filter by `status` and `workflowId`.',
      query: s.RunListQuery,
      responses: { 200: { schema: s.RunPage, description: 'A page of runs.' } },
      problems: [400],
      async handler(context) {
        const query = context.parseQuery(s.RunListQuery);
        const page = await store.listRuns(context.userId, {
          page: query.page,
          limit: query.limit,
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
        });
        return { status: 200, body: page };
      },
    },
    {
      method: 'GET',
      path: '/runs/:id',
      auth: true,
      operationId: 'getRun',
      summary: 'One run with its graph, node results and logs.',
      responses: { 200: { schema: s.RunDetail, description: 'The run.' } },
      problems: [404],
      async handler(context) {
        const detail = await store.getRunDetail(context.userId, context.params.id!);
        if (!detail) throw new ProblemError('E_RUN_NOT_FOUND');
        return { status: 200, body: detail };
      },
    },
    {
      method: 'POST',
      path: '/runs/:id/cancel',
      auth: true,
      operationId: 'cancelRun',
      summary:
        'Cancels a run: a queued one at once (200), a running one as soon as its worker sees it (202).',
      responses: {
        200: { schema: s.Run, description: 'The run is canceled.' },
        202: { schema: s.Run, description: 'The worker was asked to stop the run.' },
      },
      problems: [404, 409],
      async handler(context) {
        const result = await store.requestCancel(context.userId, context.params.id!);
        if (!result.ok) {
          if (result.reason === 'not_found') throw new ProblemError('E_RUN_NOT_FOUND');
          throw new ProblemError('E_RUN_FINISHED', {
            detail: `The run already ended ${result.run.status}.`,
          });
        }
        if (result.run.status === 'RUNNING') {
          await queue.cancel(result.run.id);
          return { status: 202, body: result.run };
        }
        if (events) {
          // No worker was executing it (queued, whether or not it ran before a hand-over), so
          // it ended here with its final event stored: tell its open streams now, not at
          // their next heartbeat. Streams skip what they already sent.
          events.publish(result.run.id, await store.listRunEvents(result.run.id, 0));
        }
        return { status: 200, body: result.run };
      },
    },
    {
      method: 'GET',
      path: '/runs/:id/events',
      auth: true,
      operationId: 'streamRunEvents',
      summary:
        'The events of a run as Server-Sent Events (`id:` is the event number): those stored after `Last-Event-ID`, then the live ones; the stream ends after `run:finish`. 204 when a finished run has nothing more to send.',
      responses: {
        200: {
          schema: z.string(),
          description: 'An event stream; each `data:` is one engine event as JSON.',
          mediaType: 'text/event-stream',
        },
        204: { schema: z.null(), description: 'The run is over and every event was sent.' },
      },
      problems: [400, 404],
      async handler(context) {
        const runId = context.params.id!;
        const afterSeq = lastEventIdOf(context);
        const run = await store.getRun(context.userId, runId);
        if (!run) throw new ProblemError('E_RUN_NOT_FOUND');
        if (run.status !== 'QUEUED' && run.status !== 'RUNNING') {
          const [next] = await store.listRunEvents(runId, afterSeq, 1);
          if (!next) return { status: 204, body: undefined };
        }
        const open = openStreams.get(context.userId) ?? 0;
        if (open >= streams.maxPerUser) {
          throw new ProblemError('E_TOO_MANY_STREAMS', {
            detail: `You have ${open} event streams open; the limit is ${streams.maxPerUser}.`,
            headers: { 'retry-after': String(Math.ceil(streams.retryMs / 1000)) },
          });
        }
        openStreams.set(context.userId, open + 1);
        const userId = context.userId;
        const stream = createRunEventStream({
          store,
          bus: events,
          ownerId: userId,
          runId,
          afterSeq,
          options: streams,
          onClose() {
            const left = (openStreams.get(userId) ?? 1) - 1;
            if (left <= 0) openStreams.delete(userId);
            else openStreams.set(userId, left);
          },
          onError(error) {
            logger.error({ err: error, runId }, 'event stream failed');
          },
        });
        return { status: 200, body: undefined, stream };
      },
    },
  ];

  const openapi = buildOpenApi(routes, s.Problem);
  return { routes, openapi };
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
  503: 'Unavailable.',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function buildOpenApi(
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
        status === '204'
          ? { description: response.description }
          : {
              description: response.description,
              content: {
                [response.mediaType ?? 'application/json']: {
                  schema: jsonSchema(response.schema, 'output'),
                },
              },
            };
    }
    const shared = route.auth ? [401, 405, 429, 500] : [405, 500];
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
