import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/sqlite/client.ts';

export interface SqliteClientOptions {
  /** Database file, or `':memory:'`. Required. */
  path: string;
  /** How long a write waits for another connection's lock, in ms. Default 5,000. */
  busyTimeoutMs?: number;
}

/**
 * A Prisma client on a local SQLite file through better-sqlite3, in WAL mode so readers never
 * wait for the writer. The schema comes from `prisma/sqlite/migrations`.
 */
export async function connectSqlite(options: SqliteClientOptions): Promise<PrismaClient> {
  const path = options.path.replace(/^file:/, '');
  const adapter = new PrismaBetterSqlite3({
    url: path,
    timeout: options.busyTimeoutMs ?? 5_000,
  });
  const prisma = new PrismaClient({ adapter });
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return prisma;
}
