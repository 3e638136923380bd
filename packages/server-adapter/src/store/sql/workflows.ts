import { randomUUID } from 'node:crypto';
import { likePattern, mergeContent } from '../shared';
import type { SaveResult, WorkflowContent, WorkflowStore } from '../types';
import { recordFileRefs } from './files';
import { all, get, RetryTransaction, run, type Sql, type SqlContext } from './query';
import {
  contentParams,
  offsetOf,
  pageOf,
  type Row,
  toVersion,
  toVersionSummary,
  toWorkflow,
  toWorkflowSummary,
} from './rows';

const INSERT_WORKFLOW = `INSERT INTO workflows (id, owner_id, name, description, tags, graph, node_count, version, created_at, updated_at)
  VALUES (@id, @ownerId, @name, @description, @tags, @graph, @nodeCount, @version, @now, @now)
  RETURNING *`;
const INSERT_VERSION = `INSERT INTO workflow_versions (workflow_id, version, name, description, tags, graph, node_count, edge_count, restored_from, created_at)
  VALUES (@workflowId, @version, @name, @description, @tags, @graph, @nodeCount, @edgeCount, @restoredFrom, @now)`;
const GET_WORKFLOW =
  'SELECT * FROM workflows WHERE id = @id AND owner_id = @ownerId AND deleted_at IS NULL';
const UPDATE_WORKFLOW = `UPDATE workflows SET name = @name, description = @description, tags = @tags, graph = @graph,
    node_count = @nodeCount, version = version + 1, updated_at = @now
  WHERE id = @id AND owner_id = @ownerId AND deleted_at IS NULL AND version = @expectedVersion
  RETURNING *`;
const DELETE_WORKFLOW = `UPDATE workflows SET deleted_at = @now
  WHERE id = @id AND owner_id = @ownerId AND deleted_at IS NULL`;
const COUNT_VERSIONS = 'SELECT COUNT(*) AS n FROM workflow_versions WHERE workflow_id = @id';
const LIST_VERSIONS = `SELECT workflow_id, version, name, node_count, edge_count, restored_from, created_at
  FROM workflow_versions WHERE workflow_id = @id ORDER BY version DESC LIMIT @limit OFFSET @offset`;
const GET_VERSION =
  'SELECT * FROM workflow_versions WHERE workflow_id = @id AND version = @version';

/** Saved workflows and their version snapshots: every save writes the next snapshot. */
export function createSqlWorkflows({ db, dialect, now }: SqlContext): WorkflowStore {
  const getForUpdate = GET_WORKFLOW + dialect.forUpdate;
  const searchClause = `(w.name ${dialect.ilike} @q ESCAPE '\\' OR w.description ${dialect.ilike} @q ESCAPE '\\' OR w.tags ${dialect.ilike} @q ESCAPE '\\')`;

  function* writeVersion(
    workflowId: string,
    version: number,
    content: WorkflowContent,
    restoredFrom: number | null,
    at: number,
  ): Sql<void> {
    yield* run(INSERT_VERSION, {
      workflowId,
      version,
      ...contentParams(content),
      edgeCount: content.edges.length,
      restoredFrom,
      now: at,
    });
  }

  function* saveGuarded(
    ownerId: string,
    workflowId: string,
    changes: Partial<WorkflowContent>,
    expectedVersion: number,
    restoredFrom: number | null,
  ): Sql<SaveResult> {
    const row = yield* get(getForUpdate, { id: workflowId, ownerId });
    if (!row) return { ok: false, reason: 'not_found' };
    const current = toWorkflow(row);
    if (current.version !== expectedVersion) {
      return { ok: false, reason: 'version_conflict', currentVersion: current.version };
    }
    const content = mergeContent(current, changes);
    const at = now();
    const updated = yield* get(UPDATE_WORKFLOW, {
      id: workflowId,
      ownerId,
      expectedVersion,
      now: at,
      ...contentParams(content),
    });
    // Saved or deleted by a concurrent writer since the read: read it again.
    if (!updated) throw new RetryTransaction();
    const workflow = toWorkflow(updated);
    yield* writeVersion(workflowId, workflow.version, content, restoredFrom, at);
    yield* recordFileRefs(dialect, { table: 'workflow_file_refs', workflowId }, ownerId, content);
    return { ok: true, workflow };
  }

  return {
    async createWorkflow(ownerId, content) {
      const id = randomUUID();
      const at = now();
      return db.write(function* () {
        const row = yield* get(INSERT_WORKFLOW, {
          id,
          ownerId,
          version: 1,
          now: at,
          ...contentParams(content),
        });
        yield* writeVersion(id, 1, content, null, at);
        yield* recordFileRefs(
          dialect,
          { table: 'workflow_file_refs', workflowId: id },
          ownerId,
          content,
        );
        return toWorkflow(row as Row);
      });
    },

    async getWorkflow(ownerId, workflowId) {
      const row = await db.single(() => get(GET_WORKFLOW, { id: workflowId, ownerId }));
      return row ? toWorkflow(row) : undefined;
    },

    async listWorkflows(ownerId, query) {
      const where = ['w.owner_id = @ownerId', 'w.deleted_at IS NULL'];
      const params: Record<string, unknown> = {
        ownerId,
        limit: query.limit,
        offset: offsetOf(query),
      };
      if (query.q !== undefined && query.q !== '') {
        where.push(searchClause);
        params.q = likePattern(query.q);
      }
      const clause = where.join(' AND ');
      return db.read(function* () {
        const { n } = (yield* get(
          `SELECT COUNT(*) AS n FROM workflows w WHERE ${clause}`,
          params,
        )) as { n: number };
        const rows = yield* all(
          `SELECT w.id, w.name, w.description, w.tags, w.version, w.node_count, w.created_at, w.updated_at,
               (SELECT COALESCE(SUM(c.n), 0) FROM run_counts c
                 WHERE c.owner_id = w.owner_id AND c.workflow_id = w.id) AS run_count,
               (SELECT r.status FROM runs r WHERE r.workflow_id = w.id
                 ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_run_status,
               (SELECT r.created_at FROM runs r WHERE r.workflow_id = w.id
                 ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS last_run_at
             FROM workflows w WHERE ${clause}
             ORDER BY w.created_at DESC, w.id DESC LIMIT @limit OFFSET @offset`,
          params,
        );
        return pageOf(rows.map(toWorkflowSummary), n, query);
      });
    },

    async updateWorkflow(ownerId, workflowId, changes, expectedVersion) {
      return db.write(() => saveGuarded(ownerId, workflowId, changes, expectedVersion, null));
    },

    async deleteWorkflow(ownerId, workflowId) {
      const changed = await db.single(() =>
        run(DELETE_WORKFLOW, { id: workflowId, ownerId, now: now() }),
      );
      return changed === 1;
    },

    async listWorkflowVersions(ownerId, workflowId, query) {
      return db.read(function* () {
        if (!(yield* get(GET_WORKFLOW, { id: workflowId, ownerId }))) return undefined;
        const { n } = (yield* get(COUNT_VERSIONS, { id: workflowId })) as { n: number };
        const rows = yield* all(LIST_VERSIONS, {
          id: workflowId,
          limit: query.limit,
          offset: offsetOf(query),
        });
        return pageOf(rows.map(toVersionSummary), n, query);
      });
    },

    async getWorkflowVersion(ownerId, workflowId, version) {
      return db.read(function* () {
        if (!(yield* get(GET_WORKFLOW, { id: workflowId, ownerId }))) return undefined;
        const row = yield* get(GET_VERSION, { id: workflowId, version });
        return row ? toVersion(row) : undefined;
      });
    },

    async restoreWorkflowVersion(ownerId, workflowId, version, expectedVersion) {
      return db.write(function* () {
        const row = yield* get(getForUpdate, { id: workflowId, ownerId });
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        const snapshot = yield* get(GET_VERSION, { id: workflowId, version });
        if (!snapshot) return { ok: false as const, reason: 'version_not_found' as const };
        const {
          workflowId: _,
          version: __,
          restoredFrom: ___,
          createdAt,
          ...content
        } = toVersion(snapshot);
        return yield* saveGuarded(
          ownerId,
          workflowId,
          content,
          expectedVersion ?? (row.version as number),
          version,
        );
      });
    },
  };
}
