import { randomUUID } from 'node:crypto';
import { hostError } from '../../errors';
import {
  closeOpenResults,
  cursorAfter,
  cursorPageOf,
  emptyCounts,
  graphOf,
  queuedCancelError,
} from '../shared';
import type { CreateRunResult, RunStore, WorkflowGraph } from '../types';
import { recordFileRefs, recordRunRefsFromWorkflow } from './files';
import type { ProgressWriter } from './events';
import { all, get, RetryTransaction, run, type Sql, type SqlContext } from './query';
import {
  json,
  offsetOf,
  pageOf,
  parseGraph,
  type Row,
  RUN_COLUMNS,
  toLog,
  toNodeResult,
  toRun,
  toVersion,
} from './rows';

const INSERT_RUN = `INSERT INTO runs (id, owner_id, workflow_id, workflow_version, graph, status, scope, target_node_ids,
    reuse_run_id, counts, created_at, traceparent, inputs)
  VALUES (@id, @ownerId, @workflowId, @workflowVersion, @graph, 'QUEUED', @scope, @targetNodeIds,
    @reuseRunId, @counts, @now, @traceparent, @inputs)
  RETURNING *`;
const GET_RUN = 'SELECT * FROM runs WHERE id = @id AND owner_id = @ownerId';
const GET_RUN_ROW = 'SELECT * FROM runs WHERE id = @id';
const GET_IDEMPOTENCY = `SELECT request_hash, run_id FROM idempotency_keys
  WHERE owner_id = @ownerId AND key = @key`;
const DELETE_EXPIRED_IDEMPOTENCY = 'DELETE FROM idempotency_keys WHERE expires_at <= @now';
const GET_LIVE_IDEMPOTENCY = `SELECT request_hash, run_id FROM idempotency_keys
  WHERE owner_id = @ownerId AND key = @key AND expires_at > @now`;
const DELETE_IDEMPOTENCY_OF_RUN = 'DELETE FROM idempotency_keys WHERE run_id = @id';
// DO NOTHING: a key another request holds is never taken over; the operation retries and
// answers with that request's run.
const INSERT_IDEMPOTENCY = `INSERT INTO idempotency_keys (owner_id, key, request_hash, run_id, expires_at)
  VALUES (@ownerId, @key, @requestHash, @runId, @expiresAt)
  ON CONFLICT (owner_id, key) DO NOTHING`;
const NODE_RESULTS = 'SELECT * FROM node_results WHERE run_id = @runId ORDER BY seq';
const NODE_RESULTS_AFTER = `SELECT * FROM node_results WHERE run_id = @runId AND seq > @after
  ORDER BY seq LIMIT @limit`;
const LOGS_AFTER = `SELECT * FROM execution_logs WHERE run_id = @runId AND id > @after
  ORDER BY id LIMIT @limit`;
const CANCEL_QUEUED = `UPDATE runs SET status = 'CANCELED', cancel_requested_at = @now, finished_at = @now,
    error = @error, counts = @counts, duration_ms = @durationMs
  WHERE id = @id AND status = 'QUEUED' RETURNING *`;
const ABANDON_QUEUED = `UPDATE runs SET status = 'FAILED', finished_at = @now, error = @error
  WHERE id = @id AND status = 'QUEUED'`;
const CANCEL_RUNNING = `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, @now)
  WHERE id = @id AND status = 'RUNNING' RETURNING *`;
const SET_EXTERNAL_ID = 'UPDATE runs SET external_id = @externalId WHERE id = @id';
const GET_VERSION =
  'SELECT * FROM workflow_versions WHERE workflow_id = @id AND version = @version';

/** Reads the graph of a run row, from the version snapshot when the run names a saved workflow. */
export function* runGraph(row: Row): Sql<WorkflowGraph> {
  if (row.graph !== null) return parseGraph(row.graph);
  const version = yield* get(GET_VERSION, { id: row.workflow_id, version: row.workflow_version });
  if (!version) {
    const { id, workflow_id: workflowId, workflow_version: workflowVersion } = row;
    throw hostError(
      'E_STORE_SNAPSHOT_MISSING',
      `Run ${id} ran version ${workflowVersion} of workflow ${workflowId}, which is missing from the store, so the run cannot be loaded.`,
      { runId: id, workflowId, workflowVersion },
    );
  }
  return graphOf(toVersion(version));
}

/**
 * What a user does with runs: create one (once per idempotency key), read and list their
 * own, cancel; and what a queue does to a run it could not hand to a worker.
 */
export function createSqlRuns(
  { db, dialect, now }: SqlContext,
  writer: ProgressWriter,
): Pick<
  RunStore,
  | 'createRun'
  | 'getRun'
  | 'getRunDetail'
  | 'listRunNodeResults'
  | 'listRunLogs'
  | 'listRuns'
  | 'requestCancel'
  | 'getIdempotencyKey'
  | 'abandonRun'
  | 'setRunExternalId'
> {
  const getRunForUpdate = GET_RUN + dialect.forUpdate;

  /** Up to `limit` rows after row `after` (all when undefined); one more is read to know if there are more. */
  function* nodeResultPage(runId: string, after: number, limit: number | undefined) {
    const rows = yield* all(NODE_RESULTS_AFTER, {
      runId,
      after,
      limit: limit === undefined ? dialect.noLimit : limit + 1,
    });
    const page = cursorPageOf(rows, limit ?? rows.length, (r) => r.seq as number);
    return { items: page.items.map(toNodeResult), next: page.next };
  }

  function* logPage(runId: string, after: number, limit: number | undefined) {
    const rows = yield* all(LOGS_AFTER, {
      runId,
      after,
      limit: limit === undefined ? dialect.noLimit : limit + 1,
    });
    const page = cursorPageOf(rows, limit ?? rows.length, (r) => r.id as number);
    return { items: page.items.map(toLog), next: page.next };
  }

  return {
    async createRun(ownerId, input) {
      return db.write(function* (): Sql<CreateRunResult> {
        const at = now();
        const { idempotency } = input;
        if (idempotency) {
          yield* run(DELETE_EXPIRED_IDEMPOTENCY, { now: at });
          const existing = yield* get(GET_IDEMPOTENCY, { ownerId, key: idempotency.key });
          if (existing) {
            if (existing.request_hash !== idempotency.requestHash) {
              return {
                ok: false,
                reason: 'idempotency_conflict',
                runId: existing.run_id as string,
              };
            }
            const replay = (yield* get(GET_RUN_ROW, { id: existing.run_id })) as Row;
            return { ok: true, run: toRun(replay), replayed: true };
          }
        }
        const row = (yield* get(INSERT_RUN, {
          id: randomUUID(),
          ownerId,
          workflowId: input.workflowId,
          workflowVersion: input.workflowVersion,
          graph: input.graph === null ? null : json(input.graph),
          scope: input.scope,
          targetNodeIds: input.targetNodeIds === null ? null : json(input.targetNodeIds),
          reuseRunId: input.reuseRunId,
          counts: json(emptyCounts()),
          now: at,
          traceparent: input.traceparent ?? null,
          inputs: input.inputs ? json(input.inputs) : null,
        })) as Row;
        if (idempotency) {
          const inserted = yield* run(INSERT_IDEMPOTENCY, {
            ownerId,
            key: idempotency.key,
            requestHash: idempotency.requestHash,
            runId: row.id,
            expiresAt: at + idempotency.ttlMs,
          });
          // A concurrent request with the same key committed first: this run is rolled
          // back, and the retry answers with that request's run.
          if (inserted !== 1) throw new RetryTransaction();
        }
        const runId = row.id as string;
        if (input.graph !== null) {
          yield* recordFileRefs(dialect, { table: 'run_file_refs', runId }, ownerId, input.graph);
        } else if (input.workflowId !== null) {
          yield* recordRunRefsFromWorkflow(runId, input.workflowId);
        }
        return { ok: true, run: toRun(row), replayed: false };
      });
    },

    async getRun(ownerId, runId) {
      const row = await db.single(() => get(GET_RUN, { id: runId, ownerId }));
      return row ? toRun(row) : undefined;
    },

    async getRunDetail(ownerId, runId, query = {}) {
      return db.read(function* () {
        const row = yield* get(GET_RUN, { id: runId, ownerId });
        if (!row) return undefined;
        const results = yield* nodeResultPage(runId, 0, query.limit);
        const logs = yield* logPage(runId, 0, query.limit);
        return {
          run: toRun(row),
          graph: yield* runGraph(row),
          nodeResults: results.items,
          logs: logs.items,
          nodeResultsNext: results.next,
          logsNext: logs.next,
        };
      });
    },

    async listRunNodeResults(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return db.read(function* () {
        if (!(yield* get(GET_RUN, { id: runId, ownerId }))) return undefined;
        return yield* nodeResultPage(runId, after, query.limit);
      });
    },

    async listRunLogs(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return db.read(function* () {
        if (!(yield* get(GET_RUN, { id: runId, ownerId }))) return undefined;
        return yield* logPage(runId, after, query.limit);
      });
    },

    async listRuns(ownerId, query) {
      const where = ['owner_id = @ownerId'];
      const params: Record<string, unknown> = {
        ownerId,
        limit: query.limit,
        offset: offsetOf(query),
      };
      if (query.status !== undefined) {
        where.push('status = @status');
        params.status = query.status;
      }
      if (query.workflowId !== undefined) {
        where.push('workflow_id = @workflowId');
        params.workflowId = query.workflowId;
      }
      const clause = where.join(' AND ');
      // run_counts has the same columns as the filters (workflow_id '' for ad-hoc runs).
      const total = `SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE ${clause}`;
      const page = `SELECT ${RUN_COLUMNS} FROM runs WHERE ${clause}
        ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`;
      if (dialect.totalWithPage) {
        // One round trip: the total rides along with the page, and only an empty page (past
        // the end, or no runs) asks for it on its own.
        const withTotal = page.replace(' FROM runs', `, (${total}) AS total FROM runs`);
        return db.read(function* () {
          const rows = yield* all(withTotal, params);
          const n = rows[0]?.total ?? ((yield* get(total, params)) as { n: number }).n;
          return pageOf(rows.map(toRun), n as number, query);
        });
      }
      return db.read(function* () {
        const { n } = (yield* get(total, params)) as { n: number };
        return pageOf((yield* all(page, params)).map(toRun), n, query);
      });
    },

    async requestCancel(ownerId, runId) {
      return db.write(function* () {
        const row = yield* get(getRunForUpdate, { id: runId, ownerId });
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        const at = now();
        if (row.status === 'QUEUED') {
          // A run handed back after a graceful stop has results; its open ones end here.
          const startedAt = row.started_at as number | null;
          const error = queuedCancelError(startedAt !== null);
          const records = (yield* all(NODE_RESULTS, { runId })).map(toNodeResult);
          const { closed, counts } = closeOpenResults(records, 'CANCELED', error, at);
          const durationMs = startedAt === null ? null : Math.max(0, at - startedAt);
          const canceled = (yield* get(CANCEL_QUEUED, {
            id: runId,
            now: at,
            error: json(error),
            counts: json(counts),
            durationMs,
          })) as Row;
          for (const result of closed) yield* writer.writeNodeResult(runId, result);
          yield* writer.writeEvents(runId, [
            {
              type: 'run:finish',
              runId,
              at,
              status: 'CANCELED',
              durationMs: durationMs ?? 0,
              error,
            },
          ]);
          return { ok: true as const, run: toRun(canceled) };
        }
        const flagged = yield* get(CANCEL_RUNNING, { id: runId, now: at });
        if (flagged) return { ok: true as const, run: toRun(flagged) };
        const current = toRun(row);
        if (current.status === 'CANCELED') return { ok: true as const, run: current };
        return { ok: false as const, reason: 'finished' as const, run: current };
      });
    },

    async getIdempotencyKey(ownerId, key) {
      const row = await db.single(() => get(GET_LIVE_IDEMPOTENCY, { ownerId, key, now: now() }));
      return row
        ? { requestHash: row.request_hash as string, runId: row.run_id as string }
        : undefined;
    },

    async abandonRun(runId, error) {
      return db.write(function* () {
        const at = now();
        if ((yield* run(ABANDON_QUEUED, { id: runId, now: at, error: json(error) })) !== 1) {
          return false;
        }
        yield* run(DELETE_IDEMPOTENCY_OF_RUN, { id: runId });
        yield* writer.writeEvents(runId, [
          { type: 'run:finish', runId, at, status: 'FAILED', durationMs: 0, error },
        ]);
        return true;
      });
    },

    async setRunExternalId(runId, externalId) {
      await db.single(() => run(SET_EXTERNAL_ID, { id: runId, externalId }));
    },
  };
}
