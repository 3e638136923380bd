import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for tests: `initdb` in a temp folder, `postgres` on a free loopback
 * port, run as an unprivileged user when the tests run as root (Postgres refuses root). One per
 * test file; each suite takes a fresh database from it. Stopped and removed by `destroy()`.
 */
export interface TestPostgres {
  readonly port: number;
  /** A new database, empty or a copy of `template` (which nothing may be connected to); its connection string. */
  createDatabase(template?: string): Promise<string>;
  /** The database name in a connection string `createDatabase` returned. */
  nameOf(url: string): string;
  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's binaries (the Debian package `postgresql`). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed: these tests start a real server. Install the Debian package `postgresql` (`apt-get install -y postgresql`; .ci/run does).',
    );
  }
  return join(root, versions[0]!, 'bin');
}

/** Who runs the server: this user, or an unprivileged one when the tests run as root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // Try the next one.
    }
  }
  throw new Error('Running as root, and neither the postgres nor the nobody user exists.');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`postgres exited with ${child.exitCode} at start:\n${log()}`);
    }
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not start in 60 s:\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    { ...asUser, stdio: 'pipe', cwd: dir },
  );
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  let databases = 0;

  async function start(): Promise<void> {
    output = '';
    const server = spawn(
      join(bin, 'postgres'),
      [
        ...['-D', data, '-k', dir, '-p', String(port), '-h', '127.0.0.1'],
        // Durability is not under test: skip the disk flushes.
        ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        ...['-c', 'max_connections=200'],
      ],
      { ...asUser, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    server.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child = server;
    await waitReady(port, server, () => output);
  }

  async function stop(): Promise<void> {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    // SIGINT: fast shutdown, open connections are ended.
    server.kill('SIGINT');
    await exited;
  }

  await start();
  return {
    port,
    async createDatabase(template) {
      databases += 1;
      const name = `galaxy_test_${databases}`;
      const admin = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        database: 'postgres',
      });
      await admin.connect();
      try {
        await admin.query(
          `CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`,
        );
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    nameOf(url) {
      return new URL(url).pathname.slice(1);
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
