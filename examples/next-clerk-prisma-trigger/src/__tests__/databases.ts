import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const prismaDir = join(import.meta.dirname, '..', '..', 'prisma');

/** The committed migration SQL of a dialect, in the order Prisma applies it. */
export function migrationSql(dialect: 'sqlite' | 'postgres'): string[] {
  const dir = join(prismaDir, dialect, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => readFileSync(join(dir, name, 'migration.sql'), 'utf8'));
}

/** A scratch folder removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Creates a SQLite file with the committed migrations applied, as `prisma migrate deploy` would. */
export function migratedSqliteFile(path: string): string {
  const db = new Database(path);
  try {
    for (const sql of migrationSql('sqlite')) db.exec(sql);
  } finally {
    db.close();
  }
  return path;
}
