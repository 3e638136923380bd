import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/postgres/client.ts';
import type { GalaxyPrismaClient } from '../store/prismaStore';

export interface PostgresClientOptions {
  /** `postgres://user:password@host:5432/db`. Required. */
  connectionString: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
}

/**
 * A Prisma client on Postgres through node-postgres, as the store's client type. The schema
 * comes from `prisma/postgres/migrations`.
 *
 * The Postgres and SQLite clients are generated from the same models (a test compares the
 * schemas), so their delegates take and return the same shapes; TypeScript cannot prove it
 * through Prisma's generic signatures, hence the one cast here. The store contract suite runs
 * against Postgres to hold it to that.
 */
export function connectPostgres(options: PostgresClientOptions): GalaxyPrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
  });
  return new PrismaClient({ adapter }) as unknown as GalaxyPrismaClient;
}
