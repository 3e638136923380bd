import { ACTIVE_RUN_STATUSES, DEFAULT_PRUNE_LIMIT } from '../shared';
import type { RunStore } from '../types';
import { all, get, run, type SqlContext } from './query';
import { toRun } from './rows';

const ACTIVE = ACTIVE_RUN_STATUSES.map((status) => `'${status}'`).join(', ');
const GET_RUN = 'SELECT * FROM runs WHERE id = @id AND owner_id = @ownerId';
const DELETE_RUN = `DELETE FROM runs WHERE id = @id AND status NOT IN (${ACTIVE})`;
// A run that a waiting or running run will read its reusable results from stays.
const NOT_REUSED = `id NOT IN (SELECT reuse_run_id FROM runs
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
    ) AS finished
    WHERE (${past}) AND ${NOT_REUSED}
    ORDER BY finished_at, created_at, id LIMIT @limit`;
}

/**
 * Deleting finished runs: one by its owner, or many by the host's retention policy. The
 * schema's foreign keys cascade to node results, logs, events and idempotency keys, and
 * clear `reuse_run_id` in the runs that named a deleted one.
 */
export function createSqlRetention({
  db,
  dialect,
  now,
}: SqlContext): Pick<RunStore, 'deleteRun' | 'pruneRuns'> {
  const getRunForUpdate = GET_RUN + dialect.forUpdate;

  return {
    async deleteRun(ownerId, runId) {
      return db.write(function* () {
        const row = yield* get(getRunForUpdate, { id: runId, ownerId });
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        if ((yield* run(DELETE_RUN, { id: runId })) === 1) return { ok: true as const };
        return { ok: false as const, reason: 'active' as const, run: toRun(row) };
      });
    },

    async pruneRuns(input) {
      const byAge = input.olderThanMs !== undefined;
      const byCount = input.keepPerWorkflow !== undefined;
      if (!byAge && !byCount) return { deleted: 0 };
      const select = candidatesSql(byAge, byCount);
      const params = {
        ...(byAge ? { cutoff: (input.now ?? now()) - (input.olderThanMs ?? 0) } : {}),
        ...(byCount ? { keep: input.keepPerWorkflow } : {}),
        limit: input.limit ?? DEFAULT_PRUNE_LIMIT,
      };
      return db.write(function* () {
        const ids = (yield* all(select, params)).map((row) => row.id as string);
        let deleted = 0;
        for (const id of ids) deleted += yield* run(DELETE_RUN, { id });
        return { deleted };
      });
    },
  };
}
