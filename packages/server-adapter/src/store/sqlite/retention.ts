import { ACTIVE_RUN_STATUSES, DEFAULT_PRUNE_LIMIT } from '../shared';
import type { RunStore } from '../types';
import type { SqliteContext } from './context';
import { type Row, toRun } from './rows';

const ACTIVE = ACTIVE_RUN_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Deleting finished runs: one by its owner, or many by the host's retention policy. The
 * schema's foreign keys cascade to node results, logs, events and idempotency keys, and
 * clear `reuse_run_id` in the runs that named a deleted one.
 */
export function createSqliteRetention({
  db,
  now,
  statement,
}: SqliteContext): Pick<RunStore, 'deleteRun' | 'pruneRuns'> {
  const q = {
    getRun: db.prepare('SELECT * FROM runs WHERE id = ? AND owner_id = ?'),
    deleteRun: db.prepare(`DELETE FROM runs WHERE id = ? AND status NOT IN (${ACTIVE})`),
  };
  // A run that a waiting or running run will read its reusable results from stays.
  const notReused = `id NOT IN (SELECT reuse_run_id FROM runs
    WHERE status IN (${ACTIVE}) AND reuse_run_id IS NOT NULL)`;

  /** The SQL choosing the runs past the policy, oldest first; built per combination of rules. */
  function candidatesSql(byAge: boolean, byCount: boolean): string {
    const past = [
      ...(byAge ? ['finished_at < @cutoff'] : []),
      ...(byCount ? ['newest > @keep'] : []),
    ].join(' OR ');
    // Ranked newest first per owner and workflow; an owner's unsaved-graph runs share one rank.
    const newest = byCount
      ? `ROW_NUMBER() OVER (PARTITION BY owner_id, COALESCE(workflow_id, '')
           ORDER BY created_at DESC, id DESC)`
      : '0';
    return `SELECT id FROM (
        SELECT id, finished_at, created_at, ${newest} AS newest FROM runs
        WHERE status NOT IN (${ACTIVE})
      )
      WHERE (${past}) AND ${notReused}
      ORDER BY finished_at, created_at, id LIMIT @limit`;
  }

  return {
    async deleteRun(ownerId, runId) {
      return db
        .transaction(() => {
          const row = q.getRun.get(runId, ownerId) as Row | undefined;
          if (!row) return { ok: false as const, reason: 'not_found' as const };
          if (q.deleteRun.run(runId).changes === 1) return { ok: true as const };
          return { ok: false as const, reason: 'active' as const, run: toRun(row) };
        })
        .immediate();
    },

    async pruneRuns(input) {
      const byAge = input.olderThanMs !== undefined;
      const byCount = input.keepPerWorkflow !== undefined;
      if (!byAge && !byCount) return { deleted: 0 };
      const select = statement(candidatesSql(byAge, byCount));
      return db
        .transaction(() => {
          const ids = (
            select.all({
              ...(byAge ? { cutoff: (input.now ?? now()) - (input.olderThanMs ?? 0) } : {}),
              ...(byCount ? { keep: input.keepPerWorkflow } : {}),
              limit: input.limit ?? DEFAULT_PRUNE_LIMIT,
            }) as Row[]
          ).map((row) => row.id as string);
          let deleted = 0;
          for (const id of ids) deleted += q.deleteRun.run(id).changes;
          return { deleted };
        })
        .immediate();
    },
  };
}
