import { defineConfig } from 'tsup';

export default defineConfig((options) => ({
  entry: {
    index: 'src/index.ts',
    'client/index': 'src/client/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/servers/index': 'src/testing/servers/index.ts',
    'metrics/index': 'src/metrics/index.ts',
    'sqlite/index': 'src/sqlite.ts',
    'postgres/index': 'src/postgres.ts',
    'redis/index': 'src/redis/index.ts',
    'bullmq/index': 'src/bullmq/index.ts',
    's3/index': 'src/s3/index.ts',
  },
  format: ['esm', 'cjs'],
  // tsup 8's declaration build sets baseUrl, which TypeScript 6 deprecates.
  dts: { compilerOptions: { customConditions: [], ignoreDeprecations: '6.0' } },
  sourcemap: true,
  // In watch mode (`pnpm dev`) a clean would leave dist/ half empty while it rebuilds, and
  // the reference app watching it would load the gap.
  clean: !options.watch,
  target: 'es2022',
  treeshake: true,
  // Optional peers and native modules stay external: the host installs them.
  external: [
    'express',
    'better-sqlite3',
    'bullmq',
    'ioredis',
    'pg',
    'prom-client',
    'vitest',
    '@aws-sdk/client-s3',
    '@aws-sdk/s3-request-presigner',
  ],
}));
