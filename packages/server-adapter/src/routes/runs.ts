import * as z from 'zod';
import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteContext, RouteDefinition } from '../routeTypes';
import type { CursorQuery } from '../store/types';
import { createRunEventStream } from '../sse';

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

function cursorQueryOf(query: { after?: string | undefined; limit: number }): CursorQuery {
  return query.after === undefined
    ? { limit: query.limit }
    : { after: query.after, limit: query.limit };
}

/**
 * Runs: list, one with the first page of its results and logs and the pages after, cancel,
 * delete, and its events as Server-Sent Events.
 */
export function runRoutes({
  store,
  queue,
  schemas: s,
  events,
  streams,
  logger,
  metrics,
}: ResolvedOptions): RouteDefinition[] {
  // Open event streams per user, held from the 200 until the stream ends.
  const openStreams = new Map<string, number>();

  return [
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
      summary:
        'One run with its graph and the first `limit` node results and log lines; `nodeResultsNext` and `logsNext` are the cursors of the rest (`GET /runs/{id}/nodes`, `/logs`).',
      query: s.RunDetailQuery,
      responses: { 200: { schema: s.RunDetail, description: 'The run.' } },
      problems: [400, 404],
      async handler(context) {
        const { limit } = context.parseQuery(s.RunDetailQuery);
        const detail = await store.getRunDetail(context.userId, context.params.id!, { limit });
        if (!detail) throw new ProblemError('E_RUN_NOT_FOUND');
        return { status: 200, body: detail };
      },
    },
    {
      method: 'GET',
      path: '/runs/:id/nodes',
      auth: true,
      operationId: 'listRunNodeResults',
      summary:
        "A page of the run's node results in start order, after the cursor `after` (`nodeResultsNext` of the run, or `next` of the page before).",
      query: s.RunItemsQuery,
      responses: { 200: { schema: s.NodeResultPage, description: 'A page of node results.' } },
      problems: [400, 404],
      async handler(context) {
        const page = await store.listRunNodeResults(
          context.userId,
          context.params.id!,
          cursorQueryOf(context.parseQuery(s.RunItemsQuery)),
        );
        if (!page) throw new ProblemError('E_RUN_NOT_FOUND');
        return { status: 200, body: page };
      },
    },
    {
      method: 'GET',
      path: '/runs/:id/logs',
      auth: true,
      operationId: 'listRunLogs',
      summary:
        "A page of the run's log lines in the order written, after the cursor `after` (`logsNext` of the run, or `next` of the page before).",
      query: s.RunItemsQuery,
      responses: { 200: { schema: s.LogPage, description: 'A page of log lines.' } },
      problems: [400, 404],
      async handler(context) {
        const page = await store.listRunLogs(
          context.userId,
          context.params.id!,
          cursorQueryOf(context.parseQuery(s.RunItemsQuery)),
        );
        if (!page) throw new ProblemError('E_RUN_NOT_FOUND');
        return { status: 200, body: page };
      },
    },
    {
      method: 'DELETE',
      path: '/runs/:id',
      auth: true,
      operationId: 'deleteRun',
      summary:
        'Deletes a finished run with its node results, logs and events, freeing its place under the per-user run cap. 409 while it is queued or running.',
      responses: { 204: { schema: z.null(), description: 'The run is deleted.' } },
      problems: [404, 409],
      async handler(context) {
        const result = await store.deleteRun(context.userId, context.params.id!);
        if (result.ok) return { status: 204, body: undefined };
        if (result.reason === 'not_found') throw new ProblemError('E_RUN_NOT_FOUND');
        throw new ProblemError('E_RUN_ACTIVE', {
          detail: `The run is ${result.run.status}. Cancel it (POST /runs/{id}/cancel), then delete it once it has ended.`,
        });
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
        metrics?.streams(1);
        const userId = context.userId;
        const stream = createRunEventStream({
          store,
          bus: events,
          ownerId: userId,
          runId,
          afterSeq,
          options: streams,
          onClose() {
            metrics?.streams(-1);
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
}
