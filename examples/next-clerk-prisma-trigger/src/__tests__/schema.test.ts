import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationSql } from './databases';

const schema = (dialect: 'postgres' | 'sqlite') =>
  readFileSync(join(import.meta.dirname, '..', '..', 'prisma', dialect, 'schema.prisma'), 'utf8');

/** The model blocks: everything after the datasource block. */
function models(text: string): string {
  const datasource = text.indexOf('datasource db');
  const end = text.indexOf('}', datasource);
  return text.slice(end + 1).trim();
}

const tables = (sql: string) =>
  [...sql.matchAll(/CREATE TABLE "(\w+)"/g)].map((match) => match[1]).sort();
const indexes = (sql: string) =>
  [...sql.matchAll(/CREATE (?:UNIQUE )?INDEX "(\w+)"/g)].map((match) => match[1]).sort();

describe('Prisma schemas', () => {
  it('declare the same models for Postgres and SQLite, so one store serves both', () => {
    expect(models(schema('sqlite'))).toBe(models(schema('postgres')));
    expect(models(schema('postgres'))).toContain('model WorkflowRun');
  });

  it('have migrations creating the same tables and indexes on both databases', () => {
    const postgres = migrationSql('postgres').join('\n');
    const sqlite = migrationSql('sqlite').join('\n');
    expect(tables(sqlite)).toEqual(tables(postgres));
    expect(indexes(sqlite)).toEqual(indexes(postgres));
    const mapped = [...models(schema('postgres')).matchAll(/@@map\("(\w+)"\)/g)].map((m) => m[1]);
    expect(tables(postgres)).toEqual(mapped.sort());
  });

  it('index a run’s node results by status and keep Trigger.dev run ids unique', () => {
    for (const dialect of ['postgres', 'sqlite'] as const) {
      const sql = migrationSql(dialect).join('\n');
      expect(sql).toContain(
        'CREATE INDEX "node_results_run_status" ON "node_results"("run_id", "status")',
      );
      expect(sql).toContain('CREATE UNIQUE INDEX "runs_external_id" ON "runs"("external_id")');
    }
  });
});
