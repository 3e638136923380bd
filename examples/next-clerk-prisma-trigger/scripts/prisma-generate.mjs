#!/usr/bin/env node
// Generates both Prisma clients (Postgres and SQLite) into src/generated, skipping a client
// whose schema and Prisma version are unchanged since it was generated.
//
// `prisma generate` validates the schema with WebAssembly and never runs the schema engine,
// yet the CLI downloads that engine first unless PRISMA_SCHEMA_ENGINE_BINARY names a file.
// Pointing it at Node's own binary lets generation run offline (CI, air-gapped builds);
// `prisma migrate` still needs the real engine and is not run through this script.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const { version } = require('prisma/package.json');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const force = process.argv.includes('--force');

const clients = [
  {
    config: 'prisma.config.ts',
    schema: 'prisma/postgres/schema.prisma',
    out: 'src/generated/postgres',
  },
  {
    config: 'prisma.sqlite.config.ts',
    schema: 'prisma/sqlite/schema.prisma',
    out: 'src/generated/sqlite',
  },
];

for (const { config, schema, out } of clients) {
  const stamp = `${out}/.generated-from`;
  const fingerprint = createHash('sha256')
    .update(version)
    .update(readFileSync(schema))
    .digest('hex');
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint) {
    console.log(`${out} is up to date.`);
    continue;
  }
  const result = spawnSync(process.execPath, [cli, 'generate', '--config', config], {
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, fingerprint);
}
