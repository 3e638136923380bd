import type { ClaimedRun, RunEventRecord, RunStore, WorkflowGraph } from '../types';
import type { SqliteContext } from './context';
import type { ProgressWriter } from './events';
import { json, type Row, RUN_COLUMNS, toRun } from './rows';

/**
 * What workers do: claim a run under a lease, renew or release it, write progress and the end.
 * Every write after the claim checks the lease, so a worker that lost it is fenced off.
 */
export function createSqliteLeases(
  { db, now }: SqliteContext,
  writer: ProgressWriter,
  runGraph: (row: Row) => WorkflowGraph,
): Pick<
  RunStore,
  'claimRun' | 'renewLease' | 'releaseRun' | 'getRunById' | 'recordRunProgress' | 'finishRun'
> {
  const q = {
    // Without the graph: workers read this before every node starts (the cancel check).
    getRunById: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    oldestExpired: db.prepare(
      `SELECT id FROM runs WHERE status = 'RUNNING' AND lease_expires_at < ?
       ORDER BY lease_expires_at LIMIT 1`,
    ),
    // Fair across owners: the owner with the fewest RUNNING runs goes first (ties: whose run has
    // waited longest), so waiting users take turns; then that owner's oldest run. The group by
    // reads only QUEUED rows (runs_status_claim), and the count the (owner_id, status) index.
    fairestQueued: db.prepare(
      `SELECT id FROM runs WHERE status = 'QUEUED' AND owner_id = (
         SELECT owner_id FROM (
           SELECT q.owner_id AS owner_id, MIN(q.created_at) AS oldest,
             (SELECT COUNT(*) FROM runs AS o WHERE o.owner_id = q.owner_id AND o.status = 'RUNNING') AS running
           FROM runs AS q WHERE q.status = 'QUEUED' GROUP BY q.owner_id)
         WHERE running < @cap ORDER BY running, oldest, owner_id LIMIT 1)
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
    finish: db.prepare(
      `UPDATE runs SET status = @status, error = @error, counts = @counts, duration_ms = @durationMs,
         finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`,
    ),
  };

  return {
    async claimRun(options) {
      return db
        .transaction((): ClaimedRun | undefined => {
          const at = now();
          const cap = options.maxRunningPerOwner ?? Number.MAX_SAFE_INTEGER;
          const queued = q.fairestQueued.get({ cap }) as Row | undefined;
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
            graph: runGraph(row),
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
          return writer.writeProgress(runId, progress);
        })
        .immediate();
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
          if (input.progress) writer.writeProgress(runId, input.progress);
          return true;
        })
        .immediate();
    },
  };
}
