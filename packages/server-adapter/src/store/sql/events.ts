import type { RunEvent } from '@galaxyflow/engine';
import type { NodeResultInput, RunEventRecord, RunProgress, RunStore } from '../types';
import { all, get, run, type Sql, type SqlContext } from './query';
import { ledgerDayOf, ledgerEntryOf } from '../ledger';
import { json, logParams, nodeResultParams, parse } from './rows';

const UPSERT_NODE_RESULT = `INSERT INTO node_results (run_id, node_id, status, input, output, error, attempts, started_at,
    finished_at, duration_ms, reused, hash, skipped_because, meta, seq)
  VALUES (@runId, @nodeId, @status, @input, @output, @error, @attempts, @startedAt, @finishedAt,
    @durationMs, @reused, @hash, @skippedBecause, @meta,
    (SELECT COALESCE(MAX(seq), 0) + 1 FROM node_results WHERE run_id = @runId))
  ON CONFLICT (run_id, node_id) DO UPDATE SET status = excluded.status, input = excluded.input,
    output = excluded.output, error = excluded.error, attempts = excluded.attempts,
    started_at = excluded.started_at, finished_at = excluded.finished_at,
    duration_ms = excluded.duration_ms, reused = excluded.reused, hash = excluded.hash,
    skipped_because = excluded.skipped_because, meta = excluded.meta`;
const RUN_OWNER = 'SELECT owner_id, workflow_id FROM runs WHERE id = @runId';
const COUNT_ONCE = `INSERT INTO usage_counted (run_id, node_id) VALUES (@runId, @nodeId)
  ON CONFLICT (run_id, node_id) DO NOTHING`;
const ADD_USAGE = `INSERT INTO usage_daily (owner_id, day, workflow_key, provider, model, input_tokens,
    output_tokens, cost_usd, calls, estimated_calls)
  VALUES (@ownerId, @day, @workflowKey, @provider, @model, @inputTokens, @outputTokens, @costUsd, 1,
    @estimated)
  ON CONFLICT (owner_id, day, workflow_key, provider, model) DO UPDATE SET
    input_tokens = usage_daily.input_tokens + excluded.input_tokens,
    output_tokens = usage_daily.output_tokens + excluded.output_tokens,
    cost_usd = usage_daily.cost_usd + excluded.cost_usd,
    calls = usage_daily.calls + 1,
    estimated_calls = usage_daily.estimated_calls + excluded.estimated_calls`;
const INSERT_LOG = `INSERT INTO execution_logs (run_id, node_id, level, message, metadata, at)
  VALUES (@runId, @nodeId, @level, @message, @metadata, @at)`;
const LAST_EVENT_SEQ = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM run_events WHERE run_id = @runId';
const INSERT_EVENT =
  'INSERT INTO run_events (run_id, seq, payload) VALUES (@runId, @seq, @payload)';
const LIST_EVENTS = `SELECT seq, payload FROM run_events WHERE run_id = @runId AND seq > @after
  ORDER BY seq LIMIT @limit`;

/**
 * Writes what a run produces: node results, log lines and numbered events. The callers own
 * the transaction, so a run's progress lands whole with whatever else they change; they
 * hold the run's row (a lease check, a status change or `lockRun`), so two writers of one
 * run never number its rows alike.
 */
export interface ProgressWriter {
  writeNodeResult(runId: string, result: NodeResultInput): Sql<void>;
  writeLogs(runId: string, logs: RunProgress['logs']): Sql<void>;
  /** Numbers the events after the run's last one; run it inside a write transaction. */
  writeEvents(runId: string, events: readonly RunEvent[]): Sql<RunEventRecord[]>;
  writeProgress(runId: string, progress: RunProgress): Sql<RunEventRecord[]>;
  /** Takes the run's row for the rest of the transaction where rows lock; nothing elsewhere. */
  lockRun(runId: string): Sql<void>;
}

export function createProgressWriter({ dialect, now }: SqlContext): ProgressWriter {
  /** Adds a result's model call to the ledger, in the writer's transaction, once per run and node. */
  function* countUsage(runId: string, result: NodeResultInput): Sql<void> {
    const entry = ledgerEntryOf(result);
    if (!entry) return;
    const owner = yield* get(RUN_OWNER, { runId });
    if (!owner) return;
    if ((yield* run(COUNT_ONCE, { runId, nodeId: result.nodeId })) !== 1) return;
    yield* run(ADD_USAGE, {
      ownerId: owner.owner_id,
      day: ledgerDayOf(result, now()),
      workflowKey: (owner.workflow_id as string | null) ?? '',
      ...entry,
    });
  }

  function* writeNodeResult(runId: string, result: NodeResultInput): Sql<void> {
    yield* run(UPSERT_NODE_RESULT, nodeResultParams(runId, result));
    yield* countUsage(runId, result);
  }

  function* writeLogs(runId: string, logs: RunProgress['logs']): Sql<void> {
    for (const log of logs ?? []) yield* run(INSERT_LOG, logParams(runId, log));
  }

  function* writeEvents(runId: string, events: readonly RunEvent[]): Sql<RunEventRecord[]> {
    if (events.length === 0) return [];
    let seq = ((yield* get(LAST_EVENT_SEQ, { runId })) as { seq: number }).seq;
    const records: RunEventRecord[] = [];
    for (const event of events) {
      seq += 1;
      yield* run(INSERT_EVENT, { runId, seq, payload: json(event) });
      records.push({ runId, seq, event });
    }
    return records;
  }

  function* writeProgress(runId: string, progress: RunProgress): Sql<RunEventRecord[]> {
    for (const result of progress.nodeResults ?? []) yield* writeNodeResult(runId, result);
    yield* writeLogs(runId, progress.logs);
    return yield* writeEvents(runId, progress.events ?? []);
  }

  function* lockRun(runId: string): Sql<void> {
    if (dialect.lockRun !== undefined) yield* get(dialect.lockRun, { id: runId });
  }

  return { writeNodeResult, writeLogs, writeEvents, writeProgress, lockRun };
}

/** What a run produced, written piecemeal (outside a lease) and read back as its event log. */
export function createSqlEvents(
  { db, dialect }: SqlContext,
  writer: ProgressWriter,
): Pick<RunStore, 'recordNodeResult' | 'appendLogs' | 'appendRunEvents' | 'listRunEvents'> {
  return {
    async recordNodeResult(runId, result) {
      await db.write(function* () {
        yield* writer.lockRun(runId);
        yield* writer.writeNodeResult(runId, result);
      });
    },

    async appendLogs(runId, logs) {
      await db.write(() => writer.writeLogs(runId, logs));
    },

    async appendRunEvents(runId, events) {
      return db.write(function* () {
        yield* writer.lockRun(runId);
        return yield* writer.writeEvents(runId, events);
      });
    },

    async listRunEvents(runId, afterSeq, limit) {
      const rows = await db.single(() =>
        all(LIST_EVENTS, { runId, after: afterSeq, limit: limit ?? dialect.noLimit }),
      );
      return rows.map((row) => ({
        runId,
        seq: row.seq as number,
        event: parse<RunEvent>(row.payload),
      }));
    },
  };
}
