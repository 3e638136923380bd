import type { RunEvent } from '@galaxyflow/engine';
import type Database from 'better-sqlite3';
import type { NodeResultInput, RunEventRecord, RunProgress, RunStore } from '../types';
import type { SqliteContext } from './context';
import { json, logParams, nodeResultParams, parse, type Row } from './rows';

/**
 * Writes what a run produces: node results, log lines and numbered events. The callers own
 * the transaction, so a run's progress lands whole with whatever else they change.
 */
export interface ProgressWriter {
  writeNodeResult(runId: string, result: NodeResultInput): void;
  writeLogs(runId: string, logs: RunProgress['logs']): void;
  /** Numbers the events after the run's last one; run it inside a write transaction. */
  writeEvents(runId: string, events: readonly RunEvent[]): RunEventRecord[];
  writeProgress(runId: string, progress: RunProgress): RunEventRecord[];
}

export function createProgressWriter(db: Database.Database): ProgressWriter {
  const q = {
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
       VALUES (@runId, @nodeId, @level, @message, @metadata, @at)`,
    ),
    lastEventSeq: db.prepare(
      'SELECT COALESCE(MAX(seq), 0) AS seq FROM run_events WHERE run_id = ?',
    ),
    insertEvent: db.prepare('INSERT INTO run_events (run_id, seq, payload) VALUES (?, ?, ?)'),
  };

  function writeNodeResult(runId: string, result: NodeResultInput): void {
    q.upsertNodeResult.run(nodeResultParams(runId, result));
  }

  function writeLogs(runId: string, logs: RunProgress['logs']): void {
    for (const log of logs ?? []) q.insertLog.run(logParams(runId, log));
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

  return { writeNodeResult, writeLogs, writeEvents, writeProgress };
}

/** What a run produced, written piecemeal (outside a lease) and read back as its event log. */
export function createSqliteEvents(
  { db }: SqliteContext,
  writer: ProgressWriter,
): Pick<RunStore, 'recordNodeResult' | 'appendLogs' | 'appendRunEvents' | 'listRunEvents'> {
  const listEvents = db.prepare(
    'SELECT seq, payload FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  );

  return {
    async recordNodeResult(runId, result) {
      writer.writeNodeResult(runId, result);
    },

    async appendLogs(runId, logs) {
      db.transaction(() => writer.writeLogs(runId, logs)).immediate();
    },

    async appendRunEvents(runId, events) {
      return db.transaction(() => writer.writeEvents(runId, events)).immediate();
    },

    async listRunEvents(runId, afterSeq, limit = -1) {
      return (listEvents.all(runId, afterSeq, limit) as Row[]).map((row) => ({
        runId,
        seq: row.seq as number,
        event: parse<RunEvent>(row.payload),
      }));
    },
  };
}
