// Start-up of the reference app's server: the built bundle `npm start` runs
// (`node dist-server/main.js`) against the same sources under the TypeScript loader
// (`tsx server/main.ts`, how it started before). Interleaved rounds, each on a fresh data
// directory; prints the median time from spawn to the first 200 from /api/health and the
// resident memory of the process tree once healthy.
//   pnpm --filter @galaxyflow/example-basic bench
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const variants = {
  built: [process.execPath, ['--enable-source-maps', 'dist-server/main.js']],
  tsx: [join(APP_DIR, 'node_modules', '.bin', 'tsx'), ['server/main.ts']],
};

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process and its descendants, in MB, from /proc. */
function treeRssMb(pid) {
  const children = (p) => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  let kb = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
    stack.push(...children(p));
  }
  return kb / 1024;
}

async function startOnce(variant) {
  const [command, args] = variants[variant];
  const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-start-'));
  const envFile = join(dataDir, 'bench.env');
  writeFileSync(envFile, '');
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: tmpdir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ENV_FILE: envFile,
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (performance.now() - started > 20_000)
        throw new Error(`${variant} not healthy after 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { ms, rss: treeRssMb(child.pid) };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { built: [], tsx: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of round % 2 === 0 ? ['built', 'tsx'] : ['tsx', 'built']) {
    results[variant].push(await startOnce(variant));
  }
}
const figure = (variant) => ({
  ms: median(results[variant].map((r) => r.ms)),
  rss: median(results[variant].map((r) => r.rss)),
});
const built = figure('built');
const tsx = figure('tsx');
const ratio = built.ms / tsx.ms;
console.log(
  `Reference app start-up, median of ${ROUNDS} interleaved rounds (spawn to a 200 from /api/health)`,
);
console.log(
  `  built (npm start)   ${built.ms.toFixed(0).padStart(5)} ms   ${built.rss.toFixed(0).padStart(4)} MB RSS`,
);
console.log(
  `  tsx server/main.ts  ${tsx.ms.toFixed(0).padStart(5)} ms   ${tsx.rss.toFixed(0).padStart(4)} MB RSS`,
);
console.log(
  `  ratio built/tsx: time ${ratio.toFixed(2)}, memory ${(built.rss / tsx.rss).toFixed(2)}`,
);
