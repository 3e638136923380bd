import type Database from 'better-sqlite3';
import {
  driveSync,
  MAX_TRANSACTION_ATTEMPTS,
  type Query,
  RetryTransaction,
  type Sql,
  type SqlDialect,
  type SqlExecutor,
} from '../sql/query';

/** SQLite's SQL: one writer at a time, so nothing is locked row by row. */
export const sqliteDialect: SqlDialect = {
  ilike: 'LIKE',
  forUpdate: '',
  noLimit: -1,
  totalWithPage: false,
  oldestExpired: `SELECT id FROM runs WHERE status = 'RUNNING' AND lease_expires_at < @now
    ORDER BY lease_expires_at LIMIT 1`,
  // The group by reads only QUEUED rows (runs_status_claim), and the count the
  // (owner_id, status) index; then the chosen owner's oldest run.
  fairestQueued: `SELECT id, owner_id FROM runs WHERE status = 'QUEUED' AND owner_id = (
      SELECT owner_id FROM (
        SELECT q.owner_id AS owner_id, MIN(q.created_at) AS oldest,
          (SELECT COUNT(*) FROM runs AS o WHERE o.owner_id = q.owner_id AND o.status = 'RUNNING') AS running
        FROM runs AS q WHERE q.status = 'QUEUED' GROUP BY q.owner_id) AS waiting
      WHERE running < @cap ORDER BY running, oldest, owner_id LIMIT 1)
    ORDER BY lease_expires_at, created_at LIMIT 1`,
};

/**
 * Runs store operations on one better-sqlite3 connection, synchronously: a write is one
 * `BEGIN IMMEDIATE` transaction, a read one deferred (a single snapshot), and each distinct
 * statement is prepared once.
 */
export function createSqliteExecutor(db: Database.Database): SqlExecutor {
  const statements = new Map<string, Database.Statement>();

  function execute(query: Query): unknown {
    let statement = statements.get(query.sql);
    if (!statement) {
      statement = db.prepare(query.sql);
      statements.set(query.sql, statement);
    }
    if (query.mode === 'get') return statement.get(query.params);
    if (query.mode === 'all') return statement.all(query.params);
    return statement.run(query.params).changes;
  }

  const transaction = db.transaction((operation: () => Sql<unknown>) =>
    driveSync(operation(), execute),
  );

  return {
    async write<T>(operation: () => Sql<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return transaction.immediate(operation) as T;
        } catch (error) {
          if (!(error instanceof RetryTransaction) || attempt >= MAX_TRANSACTION_ATTEMPTS) {
            throw error;
          }
        }
      }
    },
    async read<T>(operation: () => Sql<T>): Promise<T> {
      return transaction.deferred(operation) as T;
    },
    async single<T>(operation: () => Sql<T>): Promise<T> {
      return driveSync(operation(), execute);
    },
  };
}
