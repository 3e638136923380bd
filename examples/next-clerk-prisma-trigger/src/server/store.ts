import type { GalaxyStore } from '@galaxyflow/server-adapter';
import { connectPostgres } from '../db/postgres';
import { connectSqlite } from '../db/sqlite';
import { createPrismaStore } from '../store/prismaStore';

/**
 * The store for a `DATABASE_URL`: Postgres for `postgres://…`, a SQLite file for `file:…`.
 * The schema must be migrated first (`pnpm db:migrate` or `pnpm db:migrate:sqlite`).
 */
export async function openStore(databaseUrl: string): Promise<GalaxyStore> {
  if (databaseUrl.startsWith('file:')) {
    const prisma = await connectSqlite({ path: databaseUrl });
    return createPrismaStore({ prisma, dialect: 'sqlite' });
  }
  const prisma = connectPostgres({ connectionString: databaseUrl });
  return createPrismaStore({ prisma, dialect: 'postgresql' });
}
