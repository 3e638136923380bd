import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServerOptions {
  /** Variables for the app on top of a minimal environment (PATH, HOME). */
  env: Record<string, string>;
}

/** The app as `npm start` runs it: the built server (`dist-server/main.js`) in its own Node process. */
export interface RunningServer {
  /** The address the server printed, e.g. `http://localhost:41234`. */
  readonly url: string;
  /** The login URL it printed when it generated a token, if it did. */
  readonly loginUrl: string | undefined;
  /** Its fresh data directory (SQLite file, generated token). */
  readonly dataDir: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, as a container stop would; resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts the app on a free loopback port with a new temporary DATA_DIR and waits for the
 * line it prints once it listens. Nothing of the caller's environment (or of a `.env` beside
 * the app) leaks in but PATH and HOME, so a provider key set in the shell can never reach a
 * real provider.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-e2e-'));
  // An empty settings file in place of the app's .env: a developer's own .env (real keys,
  // LLM_FALLBACK) must not reach the server under test.
  const envFile = join(dataDir, 'e2e.env');
  writeFileSync(envFile, '');
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist-server/main.js'], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ENV_FILE: envFile,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });

  // main.ts prints the address, then how to sign in: the generated login URL or a hint.
  const ready =
    /Galaxy Flow is running at (http:\/\/\S+)[\s\S]*?(?:Open (http:\/\/\S+) to sign in|Sign in with one of the tokens)/;
  const [url, loginUrl] = await new Promise<[string, string | undefined]>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`did not print its address within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    const onData = () => {
      const match = ready.exec(output);
      if (match) {
        cleanup();
        resolve([match[1]!, match[2]]);
      }
    };
    const onExit = (code: number | null) => fail(`exited with code ${code} before listening`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(why: string) {
      cleanup();
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`The app ${why}. Its output:\n${output}`));
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  let stopping: Promise<number | null> | undefined;
  return {
    url,
    loginUrl,
    dataDir,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        const done = exited(child);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await done;
        clearTimeout(timer);
        rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
}
