// Starts the built app for the end-to-end tests: a fresh SQLite file with the committed
// migrations applied, runs executed in the app process, and the test sign-in in place of Clerk
// (which cannot be reached from here). Run by Playwright's webServer; `next build` comes first.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(appDir, 'test-results', 'e2e-data');
const port = process.env.PORT ?? '3111';

rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const dbPath = join(dataDir, 'galaxy.db');
const migrations = join(appDir, 'prisma', 'sqlite', 'migrations');
const db = new Database(dbPath);
for (const name of readdirSync(migrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()) {
  db.exec(readFileSync(join(migrations, name, 'migration.sql'), 'utf8'));
}
db.close();

// `next start` keeps NODE_ENV=test (the standalone server.js of the image forces production,
// so the image can never switch the test sign-in on). Nothing of the caller's environment but
// PATH and HOME reaches the app: a provider or Clerk key set in the shell stays out.
const child = spawn(
  process.execPath,
  [
    join(appDir, 'node_modules', 'next', 'dist', 'bin', 'next'),
    'start',
    '-p',
    port,
    '-H',
    '127.0.0.1',
  ],
  {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      NEXT_TELEMETRY_DISABLED: '1',
      GALAXY_TEST_AUTH: '1',
      GALAXY_QUEUE: 'embedded',
      DATABASE_URL: `file:${dbPath}`,
    },
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
