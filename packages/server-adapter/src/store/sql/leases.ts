import type { JsonValue } from '@galaxyflow/engine';
import type { ClaimedRun, RunEventRecord, RunStore } from '../types';
import type { ProgressWriter } from './events';
import { get, run, type Sql, type SqlContext } from './query';
import { json, parseOrNull, RUN_COLUMNS, toRun } from './rows';
import { runGraph } from './runs';

// Without the graph: workers read this before every node starts (the cancel check).
const GET_RUN_BY_ID = `SELECT ${RUN_COLUMNS} FROM runs WHERE id = @id`;
const RELEASE = `UPDATE runs SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL
  WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`;
const HOLDS_LEASE = `SELECT 1 AS held FROM runs
  WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`;
const CLAIM = `UPDATE runs SET status = 'RUNNING', lease_owner = @workerId, lease_expires_at = @expiresAt,
    attempts = attempts + 1, started_at = COALESCE(started_at, @now),
    interruptions = interruptions + CASE WHEN status = 'RUNNING' THEN 1 ELSE 0 END
  WHERE id = @id AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_expires_at < @now))
  RETURNING *`;
const RENEW = `UPDATE runs SET lease_expires_at = @expiresAt
  WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`;
const FINISH = `UPDATE runs SET status = @status, error = @error, counts = @counts, duration_ms = @durationMs,
    usage = @usage, finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
  WHERE id = @id AND status = 'RUNNING' AND lease_owner = @workerId`;
const QUEUED_COUNT = `SELECT COUNT(*) AS n FROM runs WHERE status = 'QUEUED'`;
const RUNNING_OF_OWNER = `SELECT COUNT(*) AS n FROM runs WHERE owner_id = @ownerId AND status = 'RUNNING'`;

/** Owners passed over in one claim before it gives up until the next poll. */
const MAX_OWNERS_PASSED = 16;

/**
 * What workers do: claim a run under a lease, renew or release it, write progress and the end.
 * Every write after the claim checks the lease, so a worker that lost it is fenced off.
 */
export function createSqlLeases(
  { db, dialect, now }: SqlContext,
  writer: ProgressWriter,
): Pick<
  RunStore,
  | 'claimRun'
  | 'renewLease'
  | 'releaseRun'
  | 'getRunById'
  | 'countQueuedRuns'
  | 'recordRunProgress'
  | 'finishRun'
> {
  const holdsLease = HOLDS_LEASE + dialect.forUpdate;

  /**
   * The QUEUED run to claim next, fair across owners and within the per-owner cap. Where
   * claims run concurrently, an owner another claim is deciding on, or at the cap once the
   * claims committed before are counted, is passed over for the next fairest one.
   */
  function* nextQueued(cap: number): Sql<string | undefined> {
    const passed: string[] = [];
    while (passed.length <= MAX_OWNERS_PASSED) {
      const candidate = yield* get(dialect.fairestQueued, { cap, passed });
      if (!candidate) return undefined;
      const ownerId = candidate.owner_id as string;
      if (dialect.lockOwner === undefined || cap === Number.MAX_SAFE_INTEGER) {
        return candidate.id as string;
      }
      const lock = yield* get(dialect.lockOwner, { ownerId });
      if (lock?.locked) {
        const { n } = (yield* get(RUNNING_OF_OWNER, { ownerId })) as { n: number };
        if (n < cap) return candidate.id as string;
      }
      passed.push(ownerId);
    }
    return undefined;
  }

  return {
    async claimRun(options) {
      return db.write(function* (): Sql<ClaimedRun | undefined> {
        const at = now();
        const cap = options.maxRunningPerOwner ?? Number.MAX_SAFE_INTEGER;
        const id =
          options.runId ??
          ((yield* get(dialect.oldestExpired, { now: at }))?.id as string | undefined) ??
          (yield* nextQueued(cap));
        if (id === undefined) return undefined;
        const expiresAt = at + options.leaseMs;
        const row = yield* get(CLAIM, { id, workerId: options.workerId, expiresAt, now: at });
        if (!row) return undefined;
        return {
          run: toRun(row),
          graph: yield* runGraph(row),
          traceparent: (row.traceparent as string | null) ?? null,
          inputs: parseOrNull<Record<string, JsonValue>>(row.inputs),
          leaseOwner: options.workerId,
          leaseExpiresAt: expiresAt,
        };
      });
    },

    async renewLease(runId, workerId, leaseMs) {
      const changed = await db.single(() =>
        run(RENEW, { id: runId, workerId, expiresAt: now() + leaseMs }),
      );
      return changed === 1;
    },

    async releaseRun(runId, workerId) {
      return (await db.single(() => run(RELEASE, { id: runId, workerId }))) === 1;
    },

    async getRunById(runId) {
      const row = await db.single(() => get(GET_RUN_BY_ID, { id: runId }));
      return row ? toRun(row) : undefined;
    },

    async countQueuedRuns() {
      const row = (await db.single(() => get(QUEUED_COUNT, {}))) as { n: number | string };
      return Number(row.n);
    },

    async recordRunProgress(runId, workerId, progress) {
      return db.write(function* (): Sql<RunEventRecord[] | undefined> {
        if (!(yield* get(holdsLease, { id: runId, workerId }))) return undefined;
        return yield* writer.writeProgress(runId, progress);
      });
    },

    async finishRun(runId, workerId, input) {
      return db.write(function* (): Sql<boolean> {
        const changed = yield* run(FINISH, {
          id: runId,
          workerId,
          status: input.status,
          error: input.error === null ? null : json(input.error),
          counts: json(input.counts),
          durationMs: input.durationMs,
          usage: input.usage ? json(input.usage) : null,
          now: now(),
        });
        if (changed !== 1) return false;
        if (input.progress) yield* writer.writeProgress(runId, input.progress);
        return true;
      });
    },
  };
}
