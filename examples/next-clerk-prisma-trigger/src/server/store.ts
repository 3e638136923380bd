import type { GalaxyStore } from '@galaxyflow/server-adapter';
import { connectPostgres } from '../db/postgres';
import { connectSqlite } from '../db/sqlite';
import { createPrismaStore, type GalaxyPrismaClient } from '../store/prismaStore';
import { createUserProfiles, type UserProfiles } from '../store/userProfiles';

export interface HostStores {
  /** Workflows, runs and their results: what the Galaxy API and the worker read and write. */
  galaxy: GalaxyStore;
  /** The Clerk profile kept on each user. */
  profiles: UserProfiles;
}

/**
 * The stores for a `DATABASE_URL`: Postgres for `postgres://…`, a SQLite file for `file:…`.
 * The schema must be migrated first (`pnpm db:migrate` or `pnpm db:migrate:sqlite`).
 */
export async function openStore(databaseUrl: string): Promise<HostStores> {
  if (databaseUrl.startsWith('file:')) {
    const prisma = await connectSqlite({ path: databaseUrl });
    return stores(prisma, createPrismaStore({ prisma, dialect: 'sqlite' }));
  }
  const prisma = connectPostgres({ connectionString: databaseUrl });
  return stores(prisma, createPrismaStore({ prisma, dialect: 'postgresql' }));
}

function stores(prisma: GalaxyPrismaClient, galaxy: GalaxyStore): HostStores {
  return { galaxy, profiles: createUserProfiles({ prisma }) };
}
