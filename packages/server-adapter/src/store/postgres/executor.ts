import { createHash } from 'node:crypto';
import pg, { type Pool, type PoolClient, type QueryConfig } from 'pg';
import { hostError } from '../../errors';
import {
  driveAsync,
  MAX_TRANSACTION_ATTEMPTS,
  type Query,
  RetryTransaction,
  type Sql,
  type SqlDialect,
  type SqlExecutor,
} from '../sql/query';
import { LOCK_NAMESPACE } from './migrations';

/**
 * Postgres's SQL: transactions run at READ COMMITTED side by side, so a read that a write
 * depends on locks its rows, and claims skip the runs another claim holds.
 */
export const postgresDialect: SqlDialect = {
  ilike: 'ILIKE',
  forUpdate: ' FOR UPDATE',
  noLimit: null,
  totalWithPage: true,
  lockRun: 'SELECT 1 AS locked FROM runs WHERE id = @id FOR UPDATE',
  oldestExpired: `SELECT id FROM runs WHERE status = 'RUNNING' AND lease_expires_at < @now
    ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
  // Every waiting run ranked by its owner's turn; the first one no other claim holds.
  fairestQueued: `WITH waiting AS (
      SELECT q.owner_id, MIN(q.created_at) AS oldest,
        (SELECT COUNT(*) FROM runs AS o WHERE o.owner_id = q.owner_id AND o.status = 'RUNNING') AS running
      FROM runs AS q WHERE q.status = 'QUEUED' AND q.owner_id <> ALL(@passed)
      GROUP BY q.owner_id)
    SELECT r.id, r.owner_id FROM runs AS r JOIN waiting AS w ON w.owner_id = r.owner_id
    WHERE r.status = 'QUEUED' AND w.running < @cap
    ORDER BY w.running, w.oldest, w.owner_id, r.created_at, r.id
    LIMIT 1 FOR UPDATE OF r SKIP LOCKED`,
  lockOwner: `SELECT pg_try_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(@ownerId)) AS locked`,
};

/** BIGINT (counts, ms timestamps, log ids) and NUMERIC (sums) as numbers: all stay below 2^53. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as QueryConfig['types'];

/** A statement with `@name` parameters as Postgres takes it: `$1`, `$2`, ... in first-use order. */
interface Compiled {
  text: string;
  names: string[];
  /** Prepared-statement name: from the text, so it is the same in every store on one pool. */
  name: string;
}

function compile(sql: string): Compiled {
  const names: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_, name: string) => {
    let index = names.indexOf(name);
    if (index === -1) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  const name = `galaxy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  return { text, names, name };
}

/** Failures that will pass if the transaction runs again: a deadlock, a serialization failure. */
function isRetryable(error: unknown): boolean {
  if (error instanceof RetryTransaction) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * True when the database cannot be reached or is not taking work (down, restarting, out of
 * connections), as opposed to refusing one statement: the request may pass later.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // 08: connection exception; 57P01-03: shutting down or starting up; 53300: too many connections.
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(
    error.message,
  );
}

/** The error a caller sees: unreachable databases as `E_STORE_UNAVAILABLE`, others as they are. */
export function storeError(error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  return hostError(
    'E_STORE_UNAVAILABLE',
    `The Postgres database cannot be reached (${(error as Error).message}). Requests will work again once it answers.`,
    { reason: (error as { code?: unknown }).code ?? null },
    error,
  );
}

export interface PostgresExecutorOptions {
  /** Name statements so Postgres prepares each once per connection. */
  prepare: boolean;
  /** True once the store is closed: operations then fail with `E_STORE_CLOSED`. */
  closed: () => boolean;
}

/**
 * Runs store operations on a node-postgres pool: each operation holds one connection from
 * start to end; a write is one transaction (READ COMMITTED), run again after a deadlock or a
 * lost race, at most `MAX_TRANSACTION_ATTEMPTS` times.
 */
export function createPostgresExecutor(pool: Pool, options: PostgresExecutorOptions): SqlExecutor {
  const compiled = new Map<string, Compiled>();

  function execute(client: PoolClient, query: Query): Promise<unknown> {
    let statement = compiled.get(query.sql);
    if (!statement) {
      statement = compile(query.sql);
      compiled.set(query.sql, statement);
    }
    const values = statement.names.map((name) => query.params[name] ?? null);
    const config: QueryConfig = { text: statement.text, values, types };
    if (options.prepare) config.name = statement.name;
    return client.query(config).then((result) => {
      if (query.mode === 'get') return result.rows[0];
      if (query.mode === 'all') return result.rows;
      return result.rowCount ?? 0;
    });
  }

  /** Holds a connection for `use`; a connection that broke is dropped, not pooled. */
  async function withClient<T>(use: (client: PoolClient) => Promise<T>): Promise<T> {
    if (options.closed()) throw hostError('E_STORE_CLOSED');
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    // A connection that dies between statements emits `error` with nothing else listening.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    let failure: unknown;
    try {
      return await use(client);
    } catch (error) {
      failure = error;
      throw storeError(error);
    } finally {
      client.removeListener('error', onError);
      client.release(lost ?? (isUnavailable(failure) ? (failure as Error) : undefined));
    }
  }

  return {
    async write<T>(operation: () => Sql<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await withClient(async (client) => {
            await client.query('BEGIN');
            try {
              const result = await driveAsync(operation(), (query) => execute(client, query));
              await client.query('COMMIT');
              return result;
            } catch (error) {
              await client.query('ROLLBACK').catch(() => {});
              throw error;
            }
          });
        } catch (error) {
          if (!isRetryable(error) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        }
      }
    },
    read<T>(operation: () => Sql<T>): Promise<T> {
      return withClient((client) => driveAsync(operation(), (query) => execute(client, query)));
    },
    single<T>(operation: () => Sql<T>): Promise<T> {
      return withClient((client) => driveAsync(operation(), (query) => execute(client, query)));
    },
  };
}
