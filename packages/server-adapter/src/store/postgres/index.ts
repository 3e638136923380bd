import pg, { type Pool } from 'pg';
import { get, run } from '../sql/query';
import { createSqlStore } from '../sql/store';
import type { GalaxyStore } from '../types';
import { createPostgresExecutor, postgresDialect, storeError } from './executor';
import { migratePostgres, type PostgresMigration, postgresMigrations } from './migrations';

interface PostgresStoreCommonOptions {
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Applies the package's pending migrations when the store opens, in one transaction under an
   * advisory lock, so instances starting together apply each one once. `false` when the host
   * runs them itself (`migratePostgres(pool)`) before starting. Default true.
   */
  migrate?: boolean;
  /** Schema migrations. Default: the package's own; hosts only pass this in tests. */
  migrations?: readonly PostgresMigration[];
  /**
   * Names each statement so Postgres parses and plans it once per connection. Turn it off behind
   * a pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
   * Default true.
   */
  preparedStatements?: boolean;
}

/** A pool the host made: it sizes it, and ends it after `close()` (which leaves it open). */
export interface PostgresPoolOptions extends PostgresStoreCommonOptions {
  pool: Pool;
  connectionString?: never;
  max?: never;
}

/** The store makes its own pool from a URL, and ends it on `close()`. */
export interface PostgresUrlOptions extends PostgresStoreCommonOptions {
  /** `postgres://user:password@host:5432/database`; TLS settings as node-postgres reads them. */
  connectionString: string;
  /** Most connections the pool opens. Default 10. */
  max?: number;
  /** How long opening a connection may take before the request fails, in ms. Default 5,000. */
  connectionTimeoutMs?: number;
  pool?: never;
}

export type PostgresStoreOptions = PostgresPoolOptions | PostgresUrlOptions;

/** The Postgres store, with the pool it runs on. */
export interface PostgresStore extends GalaxyStore {
  /** The pool the store uses: the host's, or the one it made from `connectionString`. */
  readonly pool: Pool;
}

const PROBE_ROLLBACK = Symbol('probe rollback');
// NUL cannot be stored in Postgres text; a user id never starts with this prefix either way.
const PROBE = `INSERT INTO users (id, created_at, last_seen_at) VALUES ('galaxy:write-probe', 0, 0)
  ON CONFLICT (id) DO NOTHING`;

/**
 * The store for several API instances and workers on one Postgres database, through
 * node-postgres. Migrations run when it opens; claims lock rows with FOR UPDATE SKIP LOCKED, so
 * workers on many machines share the runs fairly and never hold one run twice. When the
 * database cannot be reached, operations throw `E_STORE_UNAVAILABLE` (the API answers 503 with
 * Retry-After) and work again once it answers.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    });
  if (owned) {
    // An idle connection dropped by the server (a restart, a failover) is discarded by the pool;
    // the next operation opens a new one and reports the outage itself if it lasts.
    pool.on('error', () => {});
  }
  // A server shutting down can send "ready" and "terminating connection" in one packet: the pool
  // hands the connection out on the first and the client reports the second as an `error` event
  // before whoever asked for it can listen, crashing the process. Every connection gets a listener
  // of its own as it opens; the statement that next uses it fails and reports the outage.
  pool.on('connect', keepConnectionErrors);
  try {
    if (options.migrate ?? true)
      await migratePostgres(pool, options.migrations ?? postgresMigrations);
  } catch (error) {
    if (owned) await pool.end();
    throw storeError(error);
  }

  let closed = false;
  const db = createPostgresExecutor(pool, {
    prepare: options.preparedStatements ?? true,
    closed: () => closed,
  });
  const store = createSqlStore(
    { db, dialect: postgresDialect, now: options.now ?? Date.now },
    {
      async ping() {
        await db.single(() => get('SELECT 1 AS ok'));
      },

      async checkWritable() {
        try {
          await db.write(function* () {
            yield* run(PROBE);
            throw PROBE_ROLLBACK;
          });
        } catch (error) {
          if (error !== PROBE_ROLLBACK) throw error;
        }
      },

      async close() {
        if (closed) return;
        closed = true;
        if (owned) await pool.end();
      },
    },
  );
  return Object.assign(store, { pool });
}

function keepConnectionErrors(client: pg.PoolClient): void {
  client.on('error', () => {});
}
