/**
 * `@galaxyflow/server-adapter/postgres`: the store for many API instances and workers on one
 * Postgres database. It loads `pg` (an optional peer), so it lives behind its own entry point.
 */
export { createPostgresStore } from './store/postgres/index';
export type {
  PostgresPoolOptions,
  PostgresStore,
  PostgresStoreOptions,
  PostgresUrlOptions,
} from './store/postgres/index';
export { migratePostgres, postgresMigrations as migrations } from './store/postgres/migrations';
export type { PostgresMigration as Migration } from './store/postgres/migrations';
