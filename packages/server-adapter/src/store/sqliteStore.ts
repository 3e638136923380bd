import { randomUUID } from 'node:crypto';
import type { ErrorInfo, RunEvent } from '@galaxyflow/engine';
import Database from 'better-sqlite3';
import { hostError } from '../errors';
import { type Migration, migrations as builtinMigrations } from './migrations';
import {
  closeOpenResults,
  emptyCounts,
  graphOf,
  iso,
  isoOrNull,
  likePattern,
  mergeContent,
  queuedCancelError,
} from './shared';
import type {
  ClaimedRun,
  ExecutionLogRecord,
  GalaxyStore,
  NodeResultInput,
  NodeResultRecord,
  Page,
  RunEventRecord,
  RunProgress,
  RunRecord,
  SaveResult,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersionRecord,
  WorkflowVersionSummary,
} from './types';

export interface SqliteStoreOptions {
  /** Database file; created with its folder's permissions if missing. `':memory:'` for a throwaway one. */
  path: string;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock, in ms. Default 5,000. */
  busyTimeoutMs?: number;
  /** Schema migrations. Default: the package's own; hosts only pass this in tests. */
  migrations?: readonly Migration[];
}

type Row = Record<string, unknown>;

/** Every run column but the graph, which can be large and lists never show. */
const RUN_COLUMNS = `id, owner_id, workflow_id, workflow_version, status, scope, target_node_ids,
  reuse_run_id, counts, error, external_id, attempts, interruptions, cancel_requested_at, created_at,
  started_at, finished_at, duration_ms`;

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
const parseOrNull = <T>(text: unknown): T | null =>
  text === null || text === undefined ? null : parse<T>(text);

/**
 * Applies pending migrations in order, each in its own transaction, and refuses a database
 * written by a newer version of the package (downgrades would corrupt it silently).
 */
export function migrate(db: Database.Database, list: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = list.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw hostError(
      'E_STORE_SCHEMA_TOO_NEW',
      `The database schema is version ${current}, newer than this package knows (${latest}). Upgrade @galaxyflow/server-adapter.`,
      { schemaVersion: current, knownVersion: latest },
    );
  }
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return Math.max(current, latest);
}

/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with foreign keys
 * on; migrations run at open; every change that touches several rows is one transaction.
 */
export function createSqliteStore(options: SqliteStoreOptions): GalaxyStore {
  const now = options.now ?? Date.now;
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // WAL with synchronous=NORMAL is durable across process crashes; only an OS crash can
  // lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  migrate(db, options.migrations ?? builtinMigrations);

  const q = {
    ensureUser: db.prepare(
      `INSERT INTO users (id, created_at, last_seen_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at
       RETURNING id, created_at, last_seen_at`,
    ),
    insertWorkflow: db.prepare(
      `INSERT INTO workflows (id, owner_id, name, description, tags, graph, node_count, version, created_at, updated_at)
       VALUES (@id, @ownerId, @name, @description, @tags, @graph, @nodeCount, @version, @now, @now)`,
    ),
    insertVersion: db.prepare(
      `INSERT INTO workflow_versions (workflow_id, version, name, description, tags, graph, node_count, edge_count, restored_from, created_at)
       VALUES (@workflowId, @version, @name, @description, @tags, @graph, @nodeCount, @edgeCount, @restoredFrom, @now)`,
    ),
    getWorkflow: db.prepare(
      'SELECT * FROM workflows WHERE id = ? AND owner_id = ? AND deleted_at IS NULL',
    ),
    updateWorkflow: db.prepare(
      `UPDATE workflows SET name = @name, description = @description, tags = @tags, graph = @graph,
         node_count = @nodeCount, version = version + 1, updated_at = @now
       WHERE id = @id AND owner_id = @ownerId AND deleted_at IS NULL AND version = @expectedVersion
       RETURNING *`,
    ),
    deleteWorkflow: db.prepare(
      'UPDATE workflows SET deleted_at = ? WHERE id = ? AND owner_id = ? AND deleted_at IS NULL',
    ),
    countVersions: db.prepare('SELECT COUNT(*) AS n FROM workflow_versions WHERE workflow_id = ?'),
    listVersions: db.prepare(
      `SELECT workflow_id, version, name, node_count, edge_count, restored_from, created_at
       FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC LIMIT ? OFFSET ?`,
    ),
    getVersion: db.prepare('SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?'),
    insertRun: db.prepare(
      `INSERT INTO runs (id, owner_id, workflow_id, workflow_version, graph, status, scope, target_node_ids,
         reuse_run_id, counts, created_at)
       VALUES (@id, @ownerId, @workflowId, @workflowVersion, @graph, 'QUEUED', @scope, @targetNodeIds,
         @reuseRunId, @counts, @now)
       RETURNING *`,
    ),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ? AND owner_id = ?'),
    // Without the graph: workers read this before every node starts (the cancel check).
    getRunById: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
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
    logs: db.prepare('SELECT * FROM execution_logs WHERE run_id = ? ORDER BY id'),
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
    oldestExpired: db.prepare(
      `SELECT id FROM runs WHERE status = 'RUNNING' AND lease_expires_at < ?
       ORDER BY lease_expires_at LIMIT 1`,
    ),
    oldestQueued: db.prepare(
      `SELECT id FROM runs WHERE status = 'QUEUED' ORDER BY lease_expires_at, created_at LIMIT 1`,
    ),
    // The per-owner count reads the (owner_id, status) index: a few entries per candidate.
    oldestQueuedUnderCap: db.prepare(
      `SELECT id FROM runs AS r WHERE status = 'QUEUED'
         AND (SELECT COUNT(*) FROM runs AS o WHERE o.owner_id = r.owner_id AND o.status = 'RUNNING') < @cap
       ORDER BY lease_expires_at, created_at LIMIT 1`,
    ),
    release: db.prepare(
      `UPDATE runs SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`,
    ),
    holdsLease: db.prepare(
      `SELECT 1 AS held FROM runs WHERE id = ? AND status = 'RUNNING' AND lease_owner = ?`,
    ),
    claim: db.prepare(
      `UPDATE runs SET status = 'RUNNING', lease_owner = @workerId, lease_expires_at = @expiresAt,
         attempts = attempts + 1, started_at = COALESCE(started_at, @now),
         interruptions = interruptions + (status = 'RUNNING')
       WHERE id = @id AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_expires_at < @now))
       RETURNING *`,
    ),
    renew: db.prepare(
      `UPDATE runs SET lease_expires_at = @expiresAt
       WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`,
    ),
    upsertNodeResult: db.prepare(
      `INSERT INTO node_results (run_id, node_id, status, input, output, error, attempts, started_at,
         finished_at, duration_ms, reused, hash, skipped_because, meta, seq)
       VALUES (@runId, @nodeId, @status, @input, @output, @error, @attempts, @startedAt, @finishedAt,
         @durationMs, @reused, @hash, @skippedBecause, @meta,
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM node_results WHERE run_id = @runId))
       ON CONFLICT (run_id, node_id) DO UPDATE SET status = excluded.status, input = excluded.input,
         output = excluded.output, error = excluded.error, attempts = excluded.attempts,
         started_at = excluded.started_at, finished_at = excluded.finished_at,
         duration_ms = excluded.duration_ms, reused = excluded.reused, hash = excluded.hash,
         skipped_because = excluded.skipped_because, meta = excluded.meta`,
    ),
    insertLog: db.prepare(
      `INSERT INTO execution_logs (run_id, node_id, level, message, metadata, at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    lastEventSeq: db.prepare(
      'SELECT COALESCE(MAX(seq), 0) AS seq FROM run_events WHERE run_id = ?',
    ),
    insertEvent: db.prepare('INSERT INTO run_events (run_id, seq, payload) VALUES (?, ?, ?)'),
    listEvents: db.prepare(
      'SELECT seq, payload FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    finish: db.prepare(
      `UPDATE runs SET status = @status, error = @error, counts = @counts, duration_ms = @durationMs,
         finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`,
    ),
    ping: db.prepare('SELECT 1 AS ok'),
  };

  function toWorkflow(row: Row): WorkflowRecord {
    const graph = parse<WorkflowGraph>(row.graph);
    return {
      id: row.id as string,
      ownerId: row.owner_id as string,
      name: row.name as string,
      description: row.description as string,
      tags: parse<string[]>(row.tags),
      nodes: graph.nodes,
      edges: graph.edges,
      settings: graph.settings,
      version: row.version as number,
      createdAt: iso(row.created_at as number),
      updatedAt: iso(row.updated_at as number),
    };
  }

  function toVersion(row: Row): WorkflowVersionRecord {
    const graph = parse<WorkflowGraph>(row.graph);
    return {
      workflowId: row.workflow_id as string,
      version: row.version as number,
      name: row.name as string,
      description: row.description as string,
      tags: parse<string[]>(row.tags),
      nodes: graph.nodes,
      edges: graph.edges,
      settings: graph.settings,
      restoredFrom: (row.restored_from as number | null) ?? null,
      createdAt: iso(row.created_at as number),
    };
  }

  function toRun(row: Row): RunRecord {
    return {
      id: row.id as string,
      ownerId: row.owner_id as string,
      workflowId: (row.workflow_id as string | null) ?? null,
      workflowVersion: (row.workflow_version as number | null) ?? null,
      status: row.status as RunRecord['status'],
      scope: row.scope as RunRecord['scope'],
      targetNodeIds: parseOrNull<string[]>(row.target_node_ids),
      reuseRunId: (row.reuse_run_id as string | null) ?? null,
      counts: parse(row.counts),
      error: parseOrNull<ErrorInfo>(row.error),
      externalId: (row.external_id as string | null) ?? null,
      attempts: row.attempts as number,
      interruptions: row.interruptions as number,
      createdAt: iso(row.created_at as number),
      startedAt: isoOrNull(row.started_at as number | null),
      finishedAt: isoOrNull(row.finished_at as number | null),
      durationMs: (row.duration_ms as number | null) ?? null,
      cancelRequestedAt: isoOrNull(row.cancel_requested_at as number | null),
    };
  }

  function toNodeResult(row: Row): NodeResultRecord {
    return {
      runId: row.run_id as string,
      nodeId: row.node_id as string,
      status: row.status as NodeResultRecord['status'],
      input: parseOrNull(row.input),
      output: parseOrNull(row.output),
      error: parseOrNull(row.error),
      attempts: row.attempts as number,
      startedAt: isoOrNull(row.started_at as number | null),
      finishedAt: isoOrNull(row.finished_at as number | null),
      durationMs: (row.duration_ms as number | null) ?? null,
      reused: row.reused === 1,
      hash: (row.hash as string | null) ?? null,
      skippedBecause: (row.skipped_because as string | null) ?? null,
      meta: parseOrNull(row.meta),
    };
  }

  function toLog(row: Row): ExecutionLogRecord {
    return {
      id: row.id as number,
      runId: row.run_id as string,
      nodeId: (row.node_id as string | null) ?? null,
      level: row.level as ExecutionLogRecord['level'],
      message: row.message as string,
      metadata: parseOrNull(row.metadata),
      at: iso(row.at as number),
    };
  }

  function contentParams(content: WorkflowContent) {
    return {
      name: content.name,
      description: content.description,
      tags: json(content.tags),
      graph: json(graphOf(content)),
      nodeCount: content.nodes.length,
    };
  }

  function writeVersion(
    workflowId: string,
    version: number,
    content: WorkflowContent,
    restoredFrom: number | null,
    at: number,
  ): void {
    q.insertVersion.run({
      workflowId,
      version,
      ...contentParams(content),
      edgeCount: content.edges.length,
      restoredFrom,
      now: at,
    });
  }

  const saveGuarded = db.transaction(
    (
      ownerId: string,
      workflowId: string,
      changes: Partial<WorkflowContent>,
      expectedVersion: number,
      restoredFrom: number | null,
    ): SaveResult => {
      const row = q.getWorkflow.get(workflowId, ownerId) as Row | undefined;
      if (!row) return { ok: false, reason: 'not_found' };
      const current = toWorkflow(row);
      if (current.version !== expectedVersion) {
        return { ok: false, reason: 'version_conflict', currentVersion: current.version };
      }
      const content = mergeContent(current, changes);
      const at = now();
      const updated = q.updateWorkflow.get({
        id: workflowId,
        ownerId,
        expectedVersion,
        now: at,
        ...contentParams(content),
      }) as Row;
      const workflow = toWorkflow(updated);
      writeVersion(workflowId, workflow.version, content, restoredFrom, at);
      return { ok: true, workflow };
    },
  );

  function graphOfRun(row: Row): WorkflowGraph {
    if (row.graph !== null) return parse<WorkflowGraph>(row.graph);
    const version = q.getVersion.get(row.workflow_id, row.workflow_version) as Row;
    return graphOf(toVersion(version));
  }

  function writeNodeResult(runId: string, result: NodeResultInput): void {
    q.upsertNodeResult.run({
      runId,
      nodeId: result.nodeId,
      status: result.status,
      input: result.input === null ? null : json(result.input),
      output: result.output === null ? null : json(result.output),
      error: result.error === null ? null : json(result.error),
      attempts: result.attempts,
      startedAt: result.startedAt === null ? null : Date.parse(result.startedAt),
      finishedAt: result.finishedAt === null ? null : Date.parse(result.finishedAt),
      durationMs: result.durationMs,
      reused: result.reused ? 1 : 0,
      hash: result.hash,
      skippedBecause: result.skippedBecause,
      meta: result.meta === null ? null : json(result.meta),
    });
  }

  function writeLogs(runId: string, logs: RunProgress['logs']): void {
    for (const log of logs ?? []) {
      q.insertLog.run(
        runId,
        log.nodeId,
        log.level,
        log.message,
        log.metadata === null ? null : json(log.metadata),
        log.at,
      );
    }
  }

  function writeEvents(runId: string, events: readonly RunEvent[]): RunEventRecord[] {
    if (events.length === 0) return [];
    let seq = (q.lastEventSeq.get(runId) as { seq: number }).seq;
    return events.map((event) => {
      seq += 1;
      q.insertEvent.run(runId, seq, json(event));
      return { runId, seq, event };
    });
  }

  function writeProgress(runId: string, progress: RunProgress): RunEventRecord[] {
    for (const result of progress.nodeResults ?? []) writeNodeResult(runId, result);
    writeLogs(runId, progress.logs);
    return writeEvents(runId, progress.events ?? []);
  }

  function page<T>(items: T[], total: number, query: { page: number; limit: number }): Page<T> {
    return { items, page: query.page, limit: query.limit, total };
  }

  const store: GalaxyStore = {
    async ensureUser(userId) {
      const at = now();
      const row = q.ensureUser.get(userId, at, at) as Row;
      return {
        id: row.id as string,
        createdAt: iso(row.created_at as number),
        lastSeenAt: iso(row.last_seen_at as number),
      };
    },

    async createWorkflow(ownerId, content) {
      const id = randomUUID();
      const at = now();
      db.transaction(() => {
        q.insertWorkflow.run({ id, ownerId, version: 1, now: at, ...contentParams(content) });
        writeVersion(id, 1, content, null, at);
      }).immediate();
      return toWorkflow(q.getWorkflow.get(id, ownerId) as Row);
    },

    async getWorkflow(ownerId, workflowId) {
      const row = q.getWorkflow.get(workflowId, ownerId) as Row | undefined;
      return row ? toWorkflow(row) : undefined;
    },

    async listWorkflows(ownerId, query) {
      const where = ['w.owner_id = @ownerId', 'w.deleted_at IS NULL'];
      const params: Record<string, unknown> = {
        ownerId,
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
      };
      if (query.q !== undefined && query.q !== '') {
        where.push(
          "(w.name LIKE @q ESCAPE '\\' OR w.description LIKE @q ESCAPE '\\' OR w.tags LIKE @q ESCAPE '\\')",
        );
        params.q = likePattern(query.q);
      }
      const clause = where.join(' AND ');
      const { n } = listStatement(`SELECT COUNT(*) AS n FROM workflows w WHERE ${clause}`).get(
        params,
      ) as { n: number };
      const rows = listStatement(
        `SELECT w.id, w.name, w.description, w.tags, w.version, w.node_count, w.created_at, w.updated_at,
             (SELECT COALESCE(SUM(c.n), 0) FROM run_counts c
               WHERE c.owner_id = w.owner_id AND c.workflow_id = w.id) AS run_count,
             (SELECT r.status FROM runs r WHERE r.workflow_id = w.id
               ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_run_status,
             (SELECT r.created_at FROM runs r WHERE r.workflow_id = w.id
               ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_run_at
           FROM workflows w WHERE ${clause}
           ORDER BY w.created_at DESC, w.id DESC LIMIT @limit OFFSET @offset`,
      ).all(params) as Row[];
      const items = rows.map(
        (row): WorkflowSummary => ({
          id: row.id as string,
          name: row.name as string,
          description: row.description as string,
          tags: parse<string[]>(row.tags),
          version: row.version as number,
          nodeCount: row.node_count as number,
          runCount: row.run_count as number,
          lastRunStatus: (row.last_run_status as WorkflowSummary['lastRunStatus']) ?? null,
          lastRunAt: isoOrNull(row.last_run_at as number | null),
          createdAt: iso(row.created_at as number),
          updatedAt: iso(row.updated_at as number),
        }),
      );
      return page(items, n, query);
    },

    async updateWorkflow(ownerId, workflowId, changes, expectedVersion) {
      return saveGuarded.immediate(ownerId, workflowId, changes, expectedVersion, null);
    },

    async deleteWorkflow(ownerId, workflowId) {
      return q.deleteWorkflow.run(now(), workflowId, ownerId).changes === 1;
    },

    async listWorkflowVersions(ownerId, workflowId, query) {
      return db
        .transaction((): Page<WorkflowVersionSummary> | undefined => {
          if (!q.getWorkflow.get(workflowId, ownerId)) return undefined;
          const { n } = q.countVersions.get(workflowId) as { n: number };
          const rows = q.listVersions.all(
            workflowId,
            query.limit,
            (query.page - 1) * query.limit,
          ) as Row[];
          const items = rows.map(
            (row): WorkflowVersionSummary => ({
              workflowId: row.workflow_id as string,
              version: row.version as number,
              name: row.name as string,
              nodeCount: row.node_count as number,
              edgeCount: row.edge_count as number,
              restoredFrom: (row.restored_from as number | null) ?? null,
              createdAt: iso(row.created_at as number),
            }),
          );
          return page(items, n, query);
        })
        .deferred();
    },

    async getWorkflowVersion(ownerId, workflowId, version) {
      return db
        .transaction(() => {
          if (!q.getWorkflow.get(workflowId, ownerId)) return undefined;
          const row = q.getVersion.get(workflowId, version) as Row | undefined;
          return row ? toVersion(row) : undefined;
        })
        .deferred();
    },

    async restoreWorkflowVersion(ownerId, workflowId, version, expectedVersion) {
      return db
        .transaction(() => {
          const row = q.getWorkflow.get(workflowId, ownerId) as Row | undefined;
          if (!row) return { ok: false as const, reason: 'not_found' as const };
          const snapshot = q.getVersion.get(workflowId, version) as Row | undefined;
          if (!snapshot) return { ok: false as const, reason: 'version_not_found' as const };
          const {
            workflowId: _,
            version: __,
            restoredFrom: ___,
            createdAt,
            ...content
          } = toVersion(snapshot);
          return saveGuarded(
            ownerId,
            workflowId,
            content,
            expectedVersion ?? (row.version as number),
            version,
          );
        })
        .immediate();
    },

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

    async getRunDetail(ownerId, runId) {
      return db
        .transaction(() => {
          const row = q.getRun.get(runId, ownerId) as Row | undefined;
          if (!row) return undefined;
          return {
            run: toRun(row),
            graph: graphOfRun(row),
            nodeResults: (q.nodeResults.all(runId) as Row[]).map(toNodeResult),
            logs: (q.logs.all(runId) as Row[]).map(toLog),
          };
        })
        .deferred();
    },

    async listRuns(ownerId, query) {
      const where = ['owner_id = @ownerId'];
      const params: Record<string, unknown> = {
        ownerId,
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
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
          const { n } = listStatement(
            `SELECT COALESCE(SUM(n), 0) AS n FROM run_counts WHERE ${clause}`,
          ).get(params) as { n: number };
          const rows = listStatement(
            `SELECT ${RUN_COLUMNS} FROM runs WHERE ${clause}
             ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
          ).all(params) as Row[];
          return page(rows.map(toRun), n, query);
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
            for (const result of closed) writeNodeResult(runId, result);
            writeEvents(runId, [
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
          writeEvents(runId, [
            { type: 'run:finish', runId, at, status: 'FAILED', durationMs: 0, error },
          ]);
          return true;
        })
        .immediate();
    },

    async setRunExternalId(runId, externalId) {
      q.setExternalId.run(externalId, runId);
    },

    async claimRun(options) {
      return db
        .transaction((): ClaimedRun | undefined => {
          const at = now();
          const cap = options.maxRunningPerOwner;
          const queued = (
            cap === undefined ? q.oldestQueued.get() : q.oldestQueuedUnderCap.get({ cap })
          ) as Row | undefined;
          const id =
            options.runId ??
            ((q.oldestExpired.get(at) as Row | undefined)?.id as string | undefined) ??
            (queued?.id as string | undefined);
          if (id === undefined) return undefined;
          const expiresAt = at + options.leaseMs;
          const row = q.claim.get({ id, workerId: options.workerId, expiresAt, now: at }) as
            | Row
            | undefined;
          if (!row) return undefined;
          return {
            run: toRun(row),
            graph: graphOfRun(row),
            leaseOwner: options.workerId,
            leaseExpiresAt: expiresAt,
          };
        })
        .immediate();
    },

    async renewLease(runId, workerId, leaseMs) {
      return q.renew.run({ id: runId, workerId, expiresAt: now() + leaseMs }).changes === 1;
    },

    async releaseRun(runId, workerId) {
      return q.release.run({ id: runId, workerId }).changes === 1;
    },

    async getRunById(runId) {
      const row = q.getRunById.get(runId) as Row | undefined;
      return row ? toRun(row) : undefined;
    },

    async recordRunProgress(runId, workerId, progress) {
      return db
        .transaction((): RunEventRecord[] | undefined => {
          if (!q.holdsLease.get(runId, workerId)) return undefined;
          return writeProgress(runId, progress);
        })
        .immediate();
    },

    async recordNodeResult(runId, result) {
      writeNodeResult(runId, result);
    },

    async appendLogs(runId, logs) {
      db.transaction(() => writeLogs(runId, logs)).immediate();
    },

    async appendRunEvents(runId, events) {
      return db.transaction(() => writeEvents(runId, events)).immediate();
    },

    async listRunEvents(runId, afterSeq, limit = -1) {
      return (q.listEvents.all(runId, afterSeq, limit) as Row[]).map((row) => ({
        runId,
        seq: row.seq as number,
        event: parse<RunEvent>(row.payload),
      }));
    },

    async finishRun(runId, workerId, input) {
      return db
        .transaction((): boolean => {
          const changes = q.finish.run({
            id: runId,
            workerId,
            status: input.status,
            error: input.error === null ? null : json(input.error),
            counts: json(input.counts),
            durationMs: input.durationMs,
            now: now(),
          }).changes;
          if (changes !== 1) return false;
          if (input.progress) writeProgress(runId, input.progress);
          return true;
        })
        .immediate();
    },

    async ping() {
      q.ping.get();
    },

    async close() {
      if (db.open) db.close();
    },
  };

  // The list queries are built from a handful of filter combinations: cache each statement.
  const statements = new Map<string, Database.Statement>();
  function listStatement(sql: string): Database.Statement {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  }

  return store;
}
