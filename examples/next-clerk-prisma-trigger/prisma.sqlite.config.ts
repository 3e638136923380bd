import { defineConfig } from 'prisma/config';

// Local development: one SQLite file. Use with `--config prisma.sqlite.config.ts`.
const url = process.env.DATABASE_URL?.startsWith('file:')
  ? process.env.DATABASE_URL
  : 'file:./data/galaxy.db';

export default defineConfig({
  schema: 'prisma/sqlite/schema.prisma',
  migrations: { path: 'prisma/sqlite/migrations' },
  datasource: { url },
});
