import type Database from 'better-sqlite3';

/** What the roles of the SQLite store share: one connection, one clock, one statement cache. */
export interface SqliteContext {
  db: Database.Database;
  /** Clock in epoch ms. */
  now: () => number;
  /** The prepared statement for SQL built at call time, prepared once per distinct text. */
  statement(sql: string): Database.Statement;
}

export function createSqliteContext(db: Database.Database, now: () => number): SqliteContext {
  // The list queries are built from a handful of filter combinations: cache each statement.
  const statements = new Map<string, Database.Statement>();
  return {
    db,
    now,
    statement(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
