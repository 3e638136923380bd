#!/usr/bin/env node
// `pnpm cluster`: the reference app in cluster mode on this machine. Starts PostgreSQL and
// redis-server from their installed binaries (Debian's `postgresql` and `redis-server`) in a
// temp folder, then 2 API processes and 2 workers on them, and prints where to sign in.
// Ctrl-C stops everything and removes the temp folder. For containers see docker-compose.yml.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer, startTestPostgres } from '@galaxyflow/server-adapter/testing/servers';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const API_PORTS = [Number(process.env.PORT ?? 3000), Number(process.env.PORT ?? 3000) + 1];
const WORKERS = 2;

let postgres;
let redis;
try {
  [postgres, redis] = await Promise.all([startTestPostgres(), startRedisServer()]);
} catch (error) {
  console.error(`Cannot start the local cluster: ${error.message}`);
  console.error(
    'It needs PostgreSQL and redis-server installed: apt-get install -y postgresql redis-server',
  );
  process.exit(1);
}
const databaseUrl = await postgres.createDatabase();
const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-cluster-data-'));
const token = randomBytes(16).toString('hex');
const children = [];

function start(role, port) {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist-server/main.js'], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      ROLE: role,
      PORT: String(port),
      DATA_DIR: dataDir,
      AUTH_TOKENS: process.env.AUTH_TOKENS ?? `${token}=local`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const name = role === 'api' ? `api :${port}` : `worker ${children.length - 1}`;
  child.stdout.on('data', (chunk) => {
    // The app's own greeting names a URL per process; the summary below says it once.
    for (const line of String(chunk).split('\n')) {
      if (line.trim() && !/running at|Sign in|Open http/.test(line))
        console.log(`[${name}] ${line}`);
    }
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.log(`[${name}] exited (${signal ?? code})`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the cluster…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await Promise.all([postgres.destroy(), redis.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// The first API process applies the database migrations; the others find them done.
for (const port of API_PORTS) start('api', port);
for (let i = 0; i < WORKERS; i++) start('worker', 0);

console.log(`
  Galaxy Flow cluster: 2 API processes, ${WORKERS} workers, PostgreSQL and Redis on loopback.
    http://localhost:${API_PORTS[0]}/?token=${token}
    http://localhost:${API_PORTS[1]}/?token=${token}
  PostgreSQL: ${databaseUrl}
  Redis:      ${redis.url}
  Ctrl-C stops it all.
`);
