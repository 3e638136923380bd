import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/postgres/client.ts';

export interface PostgresClientOptions {
  /** `postgres://user:password@host:5432/db`. Required. */
  connectionString: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
}

/** A Prisma client on Postgres through node-postgres. The schema comes from `prisma/postgres/migrations`. */
export function connectPostgres(options: PostgresClientOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
  });
  return new PrismaClient({ adapter });
}
