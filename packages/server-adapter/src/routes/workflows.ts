import * as z from 'zod';
import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteContext, RouteDefinition, RouteResult } from '../routeTypes';
import type { SaveResult } from '../store/types';
import { referenceIssues } from '../workflowLoader';
import { createQuota } from './quota';
import { invalidWorkflow } from './shared';

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

/** Workflow CRUD, its saved versions and restoring one. */
export function workflowRoutes(options: ResolvedOptions): RouteDefinition[] {
  const { store, schemas: s } = options;
  const quota = createQuota(options);
  return [
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
      problems: [400, 409, 413, 415, 422],
      async handler(context) {
        const body = await context.body(s.WorkflowCreateBody);
        // A new workflow has no id yet, so nothing it calls can call it back; its calls must
        // still be the user's own versions, within the depth cap.
        const references = await referenceIssues(store, context.userId, body);
        if (references.length > 0) throw invalidWorkflow(references);
        await quota.checkWorkflows(context.userId);
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
      problems: [400, 404, 409, 413, 415, 422, 428],
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
        if (defined.nodes !== undefined) {
          // Saved as the next version: a call to that version, or to one that calls it, is a cycle.
          const references = await referenceIssues(store, context.userId, defined, {
            workflowId: context.params.id!,
            version: version + 1,
          });
          if (references.length > 0) throw invalidWorkflow(references);
        }
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
  ];
}
