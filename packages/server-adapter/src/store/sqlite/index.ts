import Database from 'better-sqlite3';
import { createSqlStore } from '../sql/store';
import type { GalaxyStore } from '../types';
import { createSqliteExecutor, sqliteDialect } from './executor';
import { migrations as builtinMigrations, type Migration, migrate } from './migrations';

export interface SqliteStoreOptions {
  /** Database file; created with its folder's permissions if missing. `':memory:'` for a throwaway one. */
  path: string;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock, in ms. Default 5,000. */
  busyTimeoutMs?: number;
  /** Schema migrations. Default: the package's own; hosts only pass this in tests. */
  migrations?: readonly Migration[];
  /**
   * Opens an existing database read-only: reads work, writes fail, migrations are not run (the
   * schema must be current). For inspecting a copy, and for testing how a host reacts to a
   * database it cannot write. Default false.
   */
  readonly?: boolean;
}

const PROBE_ROLLBACK = Symbol('probe rollback');

/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with foreign keys
 * on; migrations run at open; every change that touches several rows is one transaction.
 */
export function createSqliteStore(options: SqliteStoreOptions): GalaxyStore {
  const readonly = options.readonly ?? false;
  const db = new Database(options.path, { readonly, fileMustExist: readonly });
  // A read-only connection cannot switch the journal; the file keeps the mode it was given.
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // WAL with synchronous=NORMAL is durable across process crashes; only an OS crash can
  // lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  if (!readonly) migrate(db, options.migrations ?? builtinMigrations);

  const ping = db.prepare('SELECT 1 AS ok');
  // A real row write, rolled back: BEGIN IMMEDIATE alone succeeds even on a read-only
  // connection. OR IGNORE: should a user ever have this id, the statement still needs the
  // write lock, which is what is being tested.
  const insertProbe = db.prepare(
    'INSERT OR IGNORE INTO users (id, created_at, last_seen_at) VALUES (?, 0, 0)',
  );
  const probe = db.transaction(() => {
    insertProbe.run('\u0000write-probe');
    throw PROBE_ROLLBACK;
  });

  const context = {
    db: createSqliteExecutor(db),
    dialect: sqliteDialect,
    now: options.now ?? Date.now,
  };
  return createSqlStore(context, {
    async ping() {
      ping.get();
    },

    async checkWritable() {
      try {
        probe.immediate();
      } catch (error) {
        if (error !== PROBE_ROLLBACK) throw error;
      }
    },

    async close() {
      if (db.open) db.close();
    },
  });
}
