import { defineConfig } from 'prisma/config';

// Production: Postgres. `prisma migrate deploy` applies prisma/postgres/migrations to
// DATABASE_URL; `prisma generate` needs no database and runs without it.
const url = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/postgres/schema.prisma',
  migrations: { path: 'prisma/postgres/migrations' },
  ...(url ? { datasource: { url } } : {}),
});
