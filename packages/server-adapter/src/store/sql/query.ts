import type { Row } from './rows';

/**
 * The one SQL layer the SQLite and Postgres stores share. A store operation is written once, as
 * a generator that yields the statements it needs and receives their results; each database
 * drives it its own way: better-sqlite3 synchronously inside one `BEGIN IMMEDIATE`
 * transaction (no promise per statement, as fast as hand-written calls), node-postgres
 * asynchronously on one pooled connection. The statements are plain SQL with `@name`
 * parameters that both databases accept; what differs between them sits in `SqlDialect`.
 */

/**
 * One versioned schema change of a SQL store, applied in order when the store opens. Never
 * edit a released migration: add the next.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Named parameters of a statement: `@name` in the SQL. */
export type Params = Record<string, unknown>;

/** One statement a store operation asks for, and what it wants back. */
export interface Query {
  /** `get`: the first row or undefined; `all`: every row; `run`: the number of rows changed. */
  mode: 'get' | 'all' | 'run';
  sql: string;
  params: Params;
}

/** A store operation: yields statements, receives each one's result, returns its own. */
export type Sql<T> = Generator<Query, T, unknown>;

/** The first row of a query, or undefined. */
export function* get(sql: string, params: Params = {}): Sql<Row | undefined> {
  return (yield { mode: 'get', sql, params }) as Row | undefined;
}

/** Every row of a query. */
export function* all(sql: string, params: Params = {}): Sql<Row[]> {
  return (yield { mode: 'all', sql, params }) as Row[];
}

/** Runs a statement; returns how many rows it changed. */
export function* run(sql: string, params: Params = {}): Sql<number> {
  return (yield { mode: 'run', sql, params }) as number;
}

/**
 * Thrown by an operation that lost a race it can only see under concurrent writers (Postgres
 * at READ COMMITTED): the executor rolls the transaction back and runs the operation again,
 * which then reads what the winner committed.
 */
export class RetryTransaction extends Error {
  override name = 'RetryTransaction';
}

/** How many times an executor runs an operation that keeps asking to be retried. */
export const MAX_TRANSACTION_ATTEMPTS = 8;

/** Runs store operations against one database. */
export interface SqlExecutor {
  /** In one write transaction: all of it lands, or nothing. */
  write<T>(operation: () => Sql<T>): Promise<T>;
  /** Reads only, on one connection; SQLite reads one snapshot. */
  read<T>(operation: () => Sql<T>): Promise<T>;
  /** Each statement on its own (autocommit): for operations of a single statement. */
  single<T>(operation: () => Sql<T>): Promise<T>;
}

/** What differs between the SQL of the databases the stores run on. */
export interface SqlDialect {
  /** The case-insensitive LIKE: SQLite's LIKE already is; Postgres's is ILIKE. */
  ilike: 'LIKE' | 'ILIKE';
  /**
   * Appended to a read whose rows the transaction then changes, so a concurrent writer waits
   * (Postgres). SQLite has one writer at a time: nothing.
   */
  forUpdate: '' | ' FOR UPDATE';
  /** The LIMIT value that means no limit: -1 in SQLite, NULL in Postgres. */
  noLimit: number | null;
  /**
   * Reads a list's total in the statement that reads its page: worth it where each statement
   * is a round trip to a server (Postgres); in-process SQLite is faster with two.
   */
  totalWithPage: boolean;
  /**
   * Locks a run's row for the rest of the transaction, so writers of one run's results and
   * events take turns (`@id`); undefined where transactions already take turns (SQLite).
   */
  lockRun?: string;
  /** The run whose lease expired first (`@now`), locked for the claim where rows lock. */
  oldestExpired: string;
  /**
   * The QUEUED run to claim next (`id`, `owner_id`), fair across owners: the owner with the
   * fewest RUNNING runs under `@cap` first, then whose run waited longest; owners in
   * `@passed` (a text array) are left out. Locked, skipping runs another claim holds, where
   * rows lock.
   */
  fairestQueued: string;
  /**
   * Where claims run concurrently (Postgres), the per-owner cap needs the owner to itself:
   * one statement that takes the owner's claim lock without waiting (`@ownerId`) and
   * answers `locked`; the count of RUNNING runs is then read in a statement of its own, so
   * it sees every claim committed before the lock was taken. Undefined when claims take
   * turns (SQLite) and the fairness query's count holds.
   */
  lockOwner?: string;
}

/**
 * Drives an operation to its end, answering each statement with `execute`: the synchronous
 * form for drivers that answer at once (better-sqlite3).
 */
export function driveSync<T>(operation: Sql<T>, execute: (query: Query) => unknown): T {
  let step = operation.next();
  while (!step.done) step = operation.next(execute(step.value));
  return step.value;
}

/** Drives an operation to its end, awaiting each statement (node-postgres). */
export async function driveAsync<T>(
  operation: Sql<T>,
  execute: (query: Query) => Promise<unknown>,
): Promise<T> {
  let step = operation.next();
  while (!step.done) step = operation.next(await execute(step.value));
  return step.value;
}

/** What the roles of a SQL store share: the database, its dialect and the clock. */
export interface SqlContext {
  db: SqlExecutor;
  dialect: SqlDialect;
  /** Clock in epoch ms. */
  now: () => number;
}
