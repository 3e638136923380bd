import Database from 'better-sqlite3';
import type { GalaxyStore } from '../types';
import { createSqliteContext } from './context';
import { createProgressWriter, createSqliteEvents } from './events';
import { createSqliteLeases } from './leases';
import { migrations as builtinMigrations, type Migration, migrate } from './migrations';
import { createSqliteRetention } from './retention';
import { createRunGraphReader, createSqliteRuns } from './runs';
import { createSqliteUsers } from './users';
import { createSqliteWorkflows } from './workflows';

export interface SqliteStoreOptions {
  /** Database file; created with its folder's permissions if missing. `':memory:'` for a throwaway one. */
  path: string;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock, in ms. Default 5,000. */
  busyTimeoutMs?: number;
  /** Schema migrations. Default: the package's own; hosts only pass this in tests. */
  migrations?: readonly Migration[];
}

/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with foreign keys
 * on; migrations run at open; every change that touches several rows is one transaction.
 */
export function createSqliteStore(options: SqliteStoreOptions): GalaxyStore {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // WAL with synchronous=NORMAL is durable across process crashes; only an OS crash can
  // lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  migrate(db, options.migrations ?? builtinMigrations);

  const context = createSqliteContext(db, options.now ?? Date.now);
  const writer = createProgressWriter(db);
  const runGraph = createRunGraphReader(db);
  const ping = db.prepare('SELECT 1 AS ok');

  return {
    ...createSqliteUsers(context),
    ...createSqliteWorkflows(context),
    ...createSqliteRuns(context, writer, runGraph),
    ...createSqliteLeases(context, writer, runGraph),
    ...createSqliteEvents(context, writer),
    ...createSqliteRetention(context),

    async ping() {
      ping.get();
    },

    async close() {
      if (db.open) db.close();
    },
  };
}
