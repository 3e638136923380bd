import { randomUUID } from 'node:crypto';
import { fileIdsOf } from '../shared';
import type { CreateFileResult, FileRecord, FileStore, WorkflowGraph } from '../types';
import { all, get, type Params, run, type Sql, type SqlContext } from './query';
import { offsetOf, pageOf, type Row } from './rows';

const DEFAULT_FILE_PRUNE_LIMIT = 500;

const LOCK_OWNER = 'SELECT id FROM users WHERE id = @ownerId';
const USAGE =
  'SELECT COALESCE(SUM(size), 0) AS bytes, COUNT(*) AS n FROM files WHERE owner_id = @ownerId';
const INSERT_FILE = `INSERT INTO files (id, owner_id, name, content_type, size, sha256, width, height, created_at)
  VALUES (@id, @ownerId, @name, @contentType, @size, @sha256, @width, @height, @now) RETURNING *`;
const GET_FILE = 'SELECT * FROM files WHERE id = @id AND owner_id = @ownerId';
const LIST_FILES = `SELECT * FROM files WHERE owner_id = @ownerId
  ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`;
const COUNT_FILES = 'SELECT COUNT(*) AS n FROM files WHERE owner_id = @ownerId';
const DELETE_FILE = 'DELETE FROM files WHERE id = @id';
const SAME_BYTES = 'SELECT 1 AS one FROM files WHERE sha256 = @sha256 LIMIT 1';
const INSERT_RUN_REF = `INSERT INTO run_file_refs (run_id, file_id) VALUES (@runId, @fileId)
  ON CONFLICT DO NOTHING`;
const RUN_REFS_FROM_WORKFLOW = `INSERT INTO run_file_refs (run_id, file_id)
  SELECT @runId, file_id FROM workflow_file_refs WHERE workflow_id = @workflowId
  ON CONFLICT DO NOTHING`;
// A workflow that is deleted refers to nothing; a run refers to its files until it is deleted.
const REFERENCED = `SELECT 1 AS one WHERE
  EXISTS (SELECT 1 FROM run_file_refs WHERE file_id = @id)
  OR EXISTS (SELECT 1 FROM workflow_file_refs r JOIN workflows w ON w.id = r.workflow_id
    WHERE r.file_id = @id AND w.deleted_at IS NULL)`;
const PRUNE_CANDIDATES = `SELECT f.id FROM files f WHERE f.created_at < @cutoff
  AND NOT EXISTS (SELECT 1 FROM run_file_refs r WHERE r.file_id = f.id)
  AND NOT EXISTS (SELECT 1 FROM workflow_file_refs r JOIN workflows w ON w.id = r.workflow_id
    WHERE r.file_id = f.id AND w.deleted_at IS NULL)
  ORDER BY f.created_at, f.id LIMIT @limit`;

export function toFile(row: Row): FileRecord {
  return {
    id: row.id as string,
    ownerId: row.owner_id as string,
    name: row.name as string,
    contentType: row.content_type as string,
    size: Number(row.size),
    sha256: row.sha256 as string,
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    createdAt: Number(row.created_at),
  };
}

/** `@f0, @f1, ...` and their values: an IN list both databases accept. */
function inList(ids: readonly string[]): { sql: string; params: Params } {
  const params: Params = {};
  ids.forEach((id, i) => {
    params[`f${i}`] = id;
  });
  return { sql: ids.map((_, i) => `@f${i}`).join(', '), params };
}

/**
 * Records that `holder` (a workflow or run) refers to the files its graph names, inside the
 * caller's transaction. Only the owner's existing files count: an id of someone else's file
 * records nothing. The file rows are locked first (where rows lock) so retention, which locks
 * a file before its last look at its references, either sees this reference or has already
 * deleted the file.
 */
export function* recordFileRefs(
  dialect: SqlContext['dialect'],
  holder:
    | { table: 'workflow_file_refs'; workflowId: string }
    | { table: 'run_file_refs'; runId: string },
  ownerId: string,
  graph: Pick<WorkflowGraph, 'nodes'>,
): Sql<void> {
  const ids = fileIdsOf(graph);
  if (ids.length === 0) return;
  const list = inList(ids);
  const owned = yield* all(
    `SELECT id FROM files WHERE owner_id = @ownerId AND id IN (${list.sql}) ORDER BY id${dialect.forUpdate}`,
    { ownerId, ...list.params },
  );
  for (const row of owned) {
    if (holder.table === 'workflow_file_refs') {
      yield* run(
        `INSERT INTO workflow_file_refs (workflow_id, file_id) VALUES (@workflowId, @fileId)
          ON CONFLICT DO NOTHING`,
        { workflowId: holder.workflowId, fileId: row.id },
      );
    } else {
      yield* run(INSERT_RUN_REF, { runId: holder.runId, fileId: row.id });
    }
  }
}

/** A run of a saved workflow refers to every file any version of it named. */
export function* recordRunRefsFromWorkflow(runId: string, workflowId: string): Sql<void> {
  yield* run(RUN_REFS_FROM_WORKFLOW, { runId, workflowId });
}

/** Files: rows, the owner's byte cap, references and retention. */
export function createSqlFiles({ db, dialect, now }: SqlContext): FileStore {
  return {
    async createFile(ownerId, input) {
      return db.write(function* (): Sql<CreateFileResult> {
        if (input.maxBytesPerOwner !== undefined && Number.isFinite(input.maxBytesPerOwner)) {
          // Uploads of one owner take turns here, so two cannot both fit under the cap.
          yield* get(LOCK_OWNER + dialect.forUpdate, { ownerId });
          const usage = (yield* get(USAGE, { ownerId })) as Row;
          const usedBytes = Number(usage.bytes);
          if (usedBytes + input.size > input.maxBytesPerOwner) {
            return { ok: false, reason: 'quota', usedBytes };
          }
        }
        const id = randomUUID();
        const row = (yield* get(INSERT_FILE, {
          id,
          ownerId,
          name: input.name,
          contentType: input.contentType,
          size: input.size,
          sha256: input.sha256,
          width: input.width,
          height: input.height,
          now: now(),
        })) as Row;
        if (input.runId !== undefined)
          yield* run(INSERT_RUN_REF, { runId: input.runId, fileId: id });
        return { ok: true, file: toFile(row) };
      });
    },

    async getFile(ownerId, fileId) {
      const row = await db.single(() => get(GET_FILE, { id: fileId, ownerId }));
      return row ? toFile(row) : undefined;
    },

    async listFiles(ownerId, query) {
      return db.read(function* () {
        const rows = yield* all(LIST_FILES, {
          ownerId,
          limit: query.limit,
          offset: offsetOf(query),
        });
        const total = Number(((yield* get(COUNT_FILES, { ownerId })) as Row).n);
        return pageOf(rows.map(toFile), total, query);
      });
    },

    async deleteFile(ownerId, fileId) {
      return db.write(function* () {
        const row = yield* get(GET_FILE + dialect.forUpdate, { id: fileId, ownerId });
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        yield* run(DELETE_FILE, { id: fileId });
        const same = yield* get(SAME_BYTES, { sha256: row.sha256 });
        return { ok: true as const, file: toFile(row), blobInUse: same !== undefined };
      });
    },

    async blobInUse(sha256) {
      return (await db.single(() => get(SAME_BYTES, { sha256 }))) !== undefined;
    },

    async fileUsage(ownerId) {
      const row = (await db.single(() => get(USAGE, { ownerId }))) as Row;
      return { bytes: Number(row.bytes), count: Number(row.n) };
    },

    async pruneFiles(input) {
      const cutoff = (input.now ?? now()) - input.olderThanMs;
      const limit = input.limit ?? DEFAULT_FILE_PRUNE_LIMIT;
      return db.write(function* () {
        const candidates = yield* all(PRUNE_CANDIDATES, { cutoff, limit });
        const deleted: FileRecord[] = [];
        for (const { id } of candidates) {
          // Locked, then looked at again: a save that referred to it since keeps it.
          const row = yield* get(`SELECT * FROM files WHERE id = @id${dialect.forUpdate}`, { id });
          if (!row || (yield* get(REFERENCED, { id }))) continue;
          yield* run(DELETE_FILE, { id });
          deleted.push(toFile(row));
        }
        const orphanedBlobs: string[] = [];
        for (const sha256 of new Set(deleted.map((file) => file.sha256))) {
          if (!(yield* get(SAME_BYTES, { sha256 }))) orphanedBlobs.push(sha256);
        }
        return { deleted, orphanedBlobs };
      });
    },
  };
}
