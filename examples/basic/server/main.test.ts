import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@galaxyflow/server-adapter/testing/servers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'galaxyflow-main-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `server/main.ts` as `npm start` does, with only `env` (plus PATH), until it exits. */
function start(env: Record<string, string>) {
  // ENV_FILE always: a developer's own .env beside the app must neither be read nor touched.
  const emptyEnvFile = join(dir, 'empty.env');
  writeFileSync(emptyEnvFile, '');
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      ENV_FILE: emptyEnvFile,
      ...env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('server/main.ts start-up errors', () => {
  it('reads the settings file before checking settings, and the real environment wins over it', () => {
    const file = join(dir, 'settings.env');
    writeFileSync(file, 'PORT=not-a-port\nLOG_LEVEL=loud\n');
    const child = start({ ENV_FILE: file, LOG_LEVEL: 'warn' });
    expect(child.status, child.stderr).toBe(1);
    expect(child.stderr).toContain('PORT: PORT must be a port number, e.g. PORT=3000');
    // LOG_LEVEL=warn from the environment hid the file's bad one.
    expect(child.stderr).not.toContain('LOG_LEVEL');
    expect(child.stdout).not.toContain('Galaxy Flow is running');
  });

  describe('with its port taken', () => {
    let taken: Server;
    let port: number;
    beforeEach(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      port = (taken.address() as { port: number }).port;
    });
    afterEach(async () => {
      await new Promise((resolve) => taken.close(resolve));
    });

    it('says the port is in use and what to set, instead of claiming to run', () => {
      const child = start({ HOST: '127.0.0.1', PORT: String(port) });
      expect(child.status, child.stderr).toBe(1);
      expect(child.stderr).toContain(
        `The app cannot start: port ${port} is in use. Set PORT to another port (PORT=0 picks a free one)`,
      );
      expect(child.stdout).not.toContain('Galaxy Flow is running');
    });
  });

  /**
   * One line on stderr, naming the variable, the path and the fix; no stack. The cases work as
   * root too, where permissions stop nothing: a file where a folder is expected, a folder where
   * a file is expected, and sysfs, which refuses new files to every user.
   */
  function expectOneLine(child: ReturnType<typeof start>, ...parts: string[]) {
    expect(child.status, child.stderr).not.toBe(0);
    expect(child.status).not.toBeNull();
    const text = child.stderr.trim();
    expect(text.split('\n'), text).toHaveLength(1);
    expect(text).toMatch(/^The app cannot start: /);
    for (const part of parts) expect(text).toContain(part);
    expect(text).not.toMatch(/\n\s+at |node_modules/);
    expect(child.stdout).not.toContain('Galaxy Flow is running');
  }

  it('DATA_DIR is a file', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    expectOneLine(
      start({ DATA_DIR: file }),
      `DATA_DIR=${file}`,
      'is a file, not a folder',
      'Point DATA_DIR at a folder',
    );
  });

  it('DATA_DIR cannot be created (a parent is a file)', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const target = join(dir, 'file', 'data');
    expectOneLine(
      start({ DATA_DIR: target }),
      `DATA_DIR=${target}`,
      'cannot be created (ENOTDIR)',
      'point DATA_DIR at a folder',
    );
  });

  it.skipIf(!existsSync('/sys/kernel'))('DATA_DIR is not writable', () => {
    expectOneLine(
      start({ DATA_DIR: '/sys/kernel' }),
      'DATA_DIR=/sys/kernel',
      'is not writable by this user',
      'write access',
    );
  });

  it('the login token file cannot be written', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'auth-token'), { recursive: true });
    expectOneLine(
      start({ DATA_DIR: data }),
      `${join(data, 'auth-token')} (in DATA_DIR)`,
      'set AUTH_TOKENS',
    );
  });

  it('the database cannot be written', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'galaxy.db'), { recursive: true });
    expectOneLine(
      start({ DATA_DIR: data }),
      `the database ${join(data, 'galaxy.db')} (in DATA_DIR)`,
      'writable by this user',
    );
  });

  describe('in cluster mode', () => {
    /** A loopback port nothing listens on. */
    async function closedPort(): Promise<number> {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise((resolve) => server.close(resolve));
      return port;
    }

    it('Redis does not answer: names REDIS_URL and exits', async () => {
      const port = await closedPort();
      const child = start({
        DATABASE_URL: 'postgres://galaxy@127.0.0.1:1/galaxy',
        REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
      });
      expectOneLine(
        child,
        `Redis at redis://:***@127.0.0.1:${port}`,
        '(REDIS_URL) did not answer',
        'set REDIS_URL to a server that runs',
      );
      // The password never reaches the output.
      expect(child.stderr).not.toContain('hunter2');
    });

    it('the database does not answer: names DATABASE_URL and exits', async () => {
      const redis = await startRedisServer();
      try {
        const port = await closedPort();
        const child = start({
          DATABASE_URL: `postgres://galaxy:hunter2@127.0.0.1:${port}/galaxy`,
          REDIS_URL: redis.url,
        });
        expectOneLine(
          child,
          `DATABASE_URL (postgres://***@127.0.0.1:${port}/galaxy) cannot be used`,
          'set DATABASE_URL to a database that runs',
        );
        expect(child.stderr).not.toContain('hunter2');
      } finally {
        await redis.close();
      }
    });
  });
});
