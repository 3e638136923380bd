import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  closeOpenResults,
  cursorAfter,
  cursorPageOf,
  emptyCounts,
  queuedCancelError,
} from '../shared';
import type { RunStore, WorkflowGraph } from '../types';
import type { SqliteContext } from './context';
import type { ProgressWriter } from './events';
import {
  graphOfRun,
  json,
  offsetOf,
  pageOf,
  type Row,
  RUN_COLUMNS,
  toLog,
  toNodeResult,
  toRun,
} from './rows';

/** Reads the graph of a run row, from the version snapshot when the run names a saved workflow. */
export function createRunGraphReader(db: Database.Database): (row: Row) => WorkflowGraph {
  const getVersion = db.prepare(
    'SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?',
  );
  return (row) =>
    graphOfRun(row, () => getVersion.get(row.workflow_id, row.workflow_version) as Row);
}

/**
 * What a user does with runs: create one (once per idempotency key), read and list their
 * own, cancel; and what a queue does to a run it could not hand to a worker.
 */
export function createSqliteRuns(
  { db, now, statement }: SqliteContext,
  writer: ProgressWriter,
  runGraph: (row: Row) => WorkflowGraph,
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
  const q = {
    insertRun: db.prepare(
      `INSERT INTO runs (id, owner_id, workflow_id, workflow_version, graph, status, scope, target_node_ids,
         reuse_run_id, counts, created_at)
       VALUES (@id, @ownerId, @workflowId, @workflowVersion, @graph, 'QUEUED', @scope, @targetNodeIds,
         @reuseRunId, @counts, @now)
       RETURNING *`,
    ),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ? AND owner_id = ?'),
    getRunRow: db.prepare('SELECT * FROM runs WHERE id = ?'),
    getIdempotency: db.prepare(
      'SELECT request_hash, run_id, expires_at FROM idempotency_keys WHERE owner_id = ? AND key = ?',
    ),
    deleteExpiredIdempotency: db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
    getLiveIdempotency: db.prepare(
      `SELECT request_hash, run_id FROM idempotency_keys
       WHERE owner_id = ? AND key = ? AND expires_at > ?`,
    ),
    deleteIdempotencyOfRun: db.prepare('DELETE FROM idempotency_keys WHERE run_id = ?'),
    upsertIdempotency: db.prepare(
      `INSERT INTO idempotency_keys (owner_id, key, request_hash, run_id, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (owner_id, key) DO UPDATE SET request_hash = excluded.request_hash,
         run_id = excluded.run_id, expires_at = excluded.expires_at`,
    ),
    nodeResults: db.prepare('SELECT * FROM node_results WHERE run_id = ? ORDER BY seq'),
    nodeResultsAfter: db.prepare(
      'SELECT * FROM node_results WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    logsAfter: db.prepare(
      'SELECT * FROM execution_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    cancelQueued: db.prepare(
      `UPDATE runs SET status = 'CANCELED', cancel_requested_at = @now, finished_at = @now,
         error = @error, counts = @counts, duration_ms = @durationMs
       WHERE id = @id AND status = 'QUEUED' RETURNING *`,
    ),
    abandonQueued: db.prepare(
      `UPDATE runs SET status = 'FAILED', finished_at = @now, error = @error
       WHERE id = @id AND status = 'QUEUED'`,
    ),
    cancelRunning: db.prepare(
      `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, @now)
       WHERE id = @id AND status = 'RUNNING' RETURNING *`,
    ),
    setExternalId: db.prepare('UPDATE runs SET external_id = ? WHERE id = ?'),
  };

  /** Up to `limit` rows after row `after` (all with -1); one more is read to know if there are more. */
  function nodeResultPage(runId: string, after: number, limit: number) {
    const rows = q.nodeResultsAfter.all(runId, after, limit < 0 ? -1 : limit + 1) as Row[];
    const page = cursorPageOf(rows, limit < 0 ? rows.length : limit, (r) => r.seq as number);
    return { items: page.items.map(toNodeResult), next: page.next };
  }

  function logPage(runId: string, after: number, limit: number) {
    const rows = q.logsAfter.all(runId, after, limit < 0 ? -1 : limit + 1) as Row[];
    const page = cursorPageOf(rows, limit < 0 ? rows.length : limit, (r) => r.id as number);
    return { items: page.items.map(toLog), next: page.next };
  }

  return {
    async createRun(ownerId, input) {
      return db
        .transaction(() => {
          const at = now();
          const { idempotency } = input;
          if (idempotency) {
            q.deleteExpiredIdempotency.run(at);
            const existing = q.getIdempotency.get(ownerId, idempotency.key) as Row | undefined;
            if (existing) {
              if (existing.request_hash !== idempotency.requestHash) {
                return {
                  ok: false as const,
                  reason: 'idempotency_conflict' as const,
                  runId: existing.run_id as string,
                };
              }
              const run = q.getRunRow.get(existing.run_id) as Row;
              return { ok: true as const, run: toRun(run), replayed: true };
            }
          }
          const row = q.insertRun.get({
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
          }) as Row;
          if (idempotency) {
            q.upsertIdempotency.run(
              ownerId,
              idempotency.key,
              idempotency.requestHash,
              row.id,
              at + idempotency.ttlMs,
            );
          }
          return { ok: true as const, run: toRun(row), replayed: false };
        })
        .immediate();
    },

    async getRun(ownerId, runId) {
      const row = q.getRun.get(runId, ownerId) as Row | undefined;
      return row ? toRun(row) : undefined;
    },

    async getRunDetail(ownerId, runId, query = {}) {
      // -1 is SQLite's "no LIMIT": everything, and no row beyond it to find.
      const limit = query.limit ?? -1;
      return db
        .transaction(() => {
          const row = q.getRun.get(runId, ownerId) as Row | undefined;
          if (!row) return undefined;
          const results = nodeResultPage(runId, 0, limit);
          const logs = logPage(runId, 0, limit);
          return {
            run: toRun(row),
            graph: runGraph(row),
            nodeResults: results.items,
            logs: logs.items,
            nodeResultsNext: results.next,
            logsNext: logs.next,
          };
        })
        .deferred();
    },

    async listRunNodeResults(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return db
        .transaction(() =>
          q.getRun.get(runId, ownerId) ? nodeResultPage(runId, after, query.limit) : undefined,
        )
        .deferred();
    },

    async listRunLogs(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return db
        .transaction(() =>
          q.getRun.get(runId, ownerId) ? logPage(runId, after, query.limit) : undefined,
        )
        .deferred();
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
      return db
        .transaction(() => {
          // run_counts has the same columns as the filters (workflow_id '' for ad-hoc runs).
          const { n } = statement(
            `SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE ${clause}`,
          ).get(params) as { n: number };
          const rows = statement(
            `SELECT ${RUN_COLUMNS} FROM runs WHERE ${clause}
             ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
          ).all(params) as Row[];
          return pageOf(rows.map(toRun), n, query);
        })
        .deferred();
    },

    async requestCancel(ownerId, runId) {
      return db
        .transaction(() => {
          const row = q.getRun.get(runId, ownerId) as Row | undefined;
          if (!row) return { ok: false as const, reason: 'not_found' as const };
          const at = now();
          if (row.status === 'QUEUED') {
            // A run handed back after a graceful stop has results; its open ones end here.
            const startedAt = row.started_at as number | null;
            const error = queuedCancelError(startedAt !== null);
            const records = (q.nodeResults.all(runId) as Row[]).map(toNodeResult);
            const { closed, counts } = closeOpenResults(records, 'CANCELED', error, at);
            const durationMs = startedAt === null ? null : Math.max(0, at - startedAt);
            const canceled = q.cancelQueued.get({
              id: runId,
              now: at,
              error: json(error),
              counts: json(counts),
              durationMs,
            }) as Row;
            for (const result of closed) writer.writeNodeResult(runId, result);
            writer.writeEvents(runId, [
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
          const flagged = q.cancelRunning.get({ id: runId, now: at }) as Row | undefined;
          if (flagged) return { ok: true as const, run: toRun(flagged) };
          const run = toRun(row);
          if (run.status === 'CANCELED') return { ok: true as const, run };
          return { ok: false as const, reason: 'finished' as const, run };
        })
        .immediate();
    },

    async getIdempotencyKey(ownerId, key) {
      const row = q.getLiveIdempotency.get(ownerId, key, now()) as Row | undefined;
      return row
        ? { requestHash: row.request_hash as string, runId: row.run_id as string }
        : undefined;
    },

    async abandonRun(runId, error) {
      return db
        .transaction((): boolean => {
          const at = now();
          if (q.abandonQueued.run({ id: runId, now: at, error: json(error) }).changes !== 1) {
            return false;
          }
          q.deleteIdempotencyOfRun.run(runId);
          writer.writeEvents(runId, [
            { type: 'run:finish', runId, at, status: 'FAILED', durationMs: 0, error },
          ]);
          return true;
        })
        .immediate();
    },

    async setRunExternalId(runId, externalId) {
      q.setExternalId.run(externalId, runId);
    },
  };
}
