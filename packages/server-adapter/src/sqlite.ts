/**
 * `@galaxyflow/server-adapter/sqlite`: the embedded store on one SQLite file. It loads
 * better-sqlite3 (a native addon, an optional peer), so it lives behind its own entry point:
 * a host on another store never loads it.
 */
export { createSqliteStore } from './store/sqlite/index';
export type { SqliteStoreOptions } from './store/sqlite/index';
export { migrations } from './store/sqlite/migrations';
export type { Migration } from './store/sqlite/migrations';
