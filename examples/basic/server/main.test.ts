import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    env: { PATH: process.env.PATH, HOME: dir, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', ENV_FILE: emptyEnvFile, ...env },
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
      expect(child.stderr).toContain(`The app cannot start: port ${port} is in use. Set PORT to another port (PORT=0 picks a free one)`);
      expect(child.stdout).not.toContain('Galaxy Flow is running');
    });
  });
});
