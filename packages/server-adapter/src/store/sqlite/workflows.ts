import { randomUUID } from 'node:crypto';
import { likePattern, mergeContent } from '../shared';
import type {
  Page,
  SaveResult,
  WorkflowContent,
  WorkflowStore,
  WorkflowVersionSummary,
} from '../types';
import type { SqliteContext } from './context';
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

/** Saved workflows and their version snapshots: every save writes the next snapshot. */
export function createSqliteWorkflows({ db, now, statement }: SqliteContext): WorkflowStore {
  const q = {
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
  };

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

  return {
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
        offset: offsetOf(query),
      };
      if (query.q !== undefined && query.q !== '') {
        where.push(
          "(w.name LIKE @q ESCAPE '\\' OR w.description LIKE @q ESCAPE '\\' OR w.tags LIKE @q ESCAPE '\\')",
        );
        params.q = likePattern(query.q);
      }
      const clause = where.join(' AND ');
      const { n } = statement(`SELECT COUNT(*) AS n FROM workflows w WHERE ${clause}`).get(
        params,
      ) as { n: number };
      const rows = statement(
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
      return pageOf(rows.map(toWorkflowSummary), n, query);
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
          const rows = q.listVersions.all(workflowId, query.limit, offsetOf(query)) as Row[];
          return pageOf(rows.map(toVersionSummary), n, query);
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
  };
}
