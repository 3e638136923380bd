import { createHash } from 'node:crypto';
import {
  activeTraceparent,
  contextFromTraceparent,
  type ErrorInfo,
  type JsonValue,
  stableStringify,
  traceparentOf,
  validateWorkflow,
  workflowInterface,
} from '@galaxyflow/engine';
import * as z from 'zod';
import { type ProblemIssue, ProblemError, type RunErrorCode, runErrorCodes } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition, RouteResult } from '../routeTypes';
import { graphOf } from '../store/shared';
import type { WorkflowGraph } from '../store/types';
import { referenceIssues } from '../workflowLoader';
import { createQuota } from './quota';
import { invalidWorkflow, zodIssues } from './shared';

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

/**
 * The trace the run continues: the host's span for this request when its instrumentation made
 * one (it already continues an incoming `traceparent`), else the caller's `traceparent` header.
 * A malformed header is ignored, as W3C Trace Context says, never refused.
 */
function requestTraceparent(headers: { get(name: string): string | null }): string | null {
  const active = activeTraceparent();
  if (active !== undefined) return active;
  const header = headers.get('traceparent');
  const remote = header === null ? undefined : contextFromTraceparent(header);
  return (remote && traceparentOf(remote)) ?? null;
}
function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The request's Input values checked against the workflow's Input nodes, every problem at
 * once: each value names an Input, text and image Inputs take strings, and a whole run gives
 * every Input that is required and has no default. A partial run may leave those out: the
 * Inputs it needs fail on their own if it does not reach them.
 */
function inputIssues(
  graph: unknown,
  given: Record<string, JsonValue> | undefined,
  partial: boolean,
): ProblemIssue[] {
  const ports = workflowInterface(graph).inputs;
  const issues: ProblemIssue[] = [];
  for (const [name, value] of Object.entries(given ?? {})) {
    const port = ports.find((p) => p.name === name);
    if (!port) {
      const names = ports.map((p) => `"${p.name}"`).join(', ');
      issues.push({
        code: 'unknown_input',
        message: `The workflow has no Input named "${name}"${names ? `; its Inputs are ${names}` : ''}.`,
        path: ['inputs', name],
      });
    } else if ((port.type === 'text' || port.type === 'image') && typeof value !== 'string') {
      issues.push({
        code: 'invalid_type',
        message: `Input "${name}" takes ${port.type === 'text' ? 'text' : 'an image reference (a string)'}, not ${kindOf(value)}.`,
        path: ['inputs', name],
      });
    }
  }
  if (!partial) {
    for (const port of ports) {
      if (port.required && !(given && Object.hasOwn(given, port.name))) {
        issues.push({
          code: 'missing_input',
          message: `Input "${port.name}" is required and has no default: give it in "inputs".`,
          path: ['inputs', port.name],
        });
      }
    }
  }
  return issues;
}

/** `POST /execute`: validates a saved or unsaved graph, records the run and queues it. */
export function executeRoutes(options: ResolvedOptions): RouteDefinition[] {
  const { store, queue, registry, schemas: s, limits } = options;
  const quota = createQuota(options);
  return [
    {
      method: 'POST',
      path: '/execute',
      auth: true,
      operationId: 'execute',
      summary:
        'Queues a run of a saved workflow (`workflowId`, `version`) or of an unsaved graph (`nodes`, `edges`), with the values of its Input nodes (`inputs`). Honours `Idempotency-Key`.',
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
          throw new ProblemError('E_INVALID_BODY', { issues: zodIssues(parsed.error) });
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
        if (!validation.ok) throw invalidWorkflow(validation.issues);
        // Calls to saved workflows: each must be the caller's, and none may come back round.
        const references = await referenceIssues(
          store,
          context.userId,
          graph,
          workflowId !== null && workflowVersion !== null
            ? { workflowId, version: workflowVersion }
            : undefined,
        );
        if (references.length > 0) throw invalidWorkflow(references);
        const inputProblems = inputIssues(graph, body.inputs, body.targetNodeIds !== undefined);
        if (inputProblems.length > 0) {
          throw new ProblemError('E_INVALID_BODY', {
            detail: inputProblems[0]!.message,
            issues: inputProblems,
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
        await quota.checkRuns(context.userId);
        const adHoc: WorkflowGraph | null = isSaved ? null : graphOf(validation.workflow);
        const created = await store.createRun(context.userId, {
          workflowId,
          workflowVersion,
          graph: adHoc,
          scope: body.targetNodeIds ? 'PARTIAL' : 'FULL',
          targetNodeIds: body.targetNodeIds ?? null,
          reuseRunId: body.reuseRunId ?? null,
          traceparent: requestTraceparent(context.headers),
          ...(body.inputs ? { inputs: body.inputs } : {}),
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
  ];
}
