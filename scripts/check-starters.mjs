#!/usr/bin/env node
// Checks the starters under examples/ as a developer who copied one would meet it, but against
// the packages of this checkout: packs the three packages, copies each starter into a temp
// dir, points its @galaxyflow/* dependencies at the tarballs (pnpm overrides written into the
// copy only), installs with pnpm, builds it and runs its smoke test. Prints every step's time.
//
//   node scripts/check-starters.mjs               build the packages, then check every starter
//   node scripts/check-starters.mjs --no-build    reuse dist/ (when a build just ran)
//   node scripts/check-starters.mjs vite-spa      only the starters named
//   node scripts/check-starters.mjs --keep        keep the temp dir (it is kept anyway on failure)
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { nodeHeadersDir } from './lib/nodeHeaders.mjs';
import { npmName, packAll, packages, root } from './lib/pack.mjs';

const starters = ['express-minimal', 'vite-spa', 'next-minimal'];
const CHROMIUM = '/usr/bin/chromium';
// Far above a step's usual time (under a minute for the slowest, the Next.js build), so only
// a step that hangs hits it.
const stepTimeoutMs = 10 * 60 * 1000;
// What a copy leaves out: installs and builds of a run in the source folder.
const notCopied = new Set(['node_modules', 'dist', '.next', 'data', 'next-env.d.ts']);

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const named = args.filter((arg) => !arg.startsWith('--'));
for (const name of named) {
  if (!starters.includes(name)) {
    console.error(`Unknown starter "${name}"; the starters are ${starters.join(', ')}.`);
    process.exit(2);
  }
}
const selected = named.length > 0 ? named : starters;

const nodedir = nodeHeadersDir();
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
  ...(!process.env.CHROMIUM_PATH && existsSync(CHROMIUM) ? { CHROMIUM_PATH: CHROMIUM } : {}),
};

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// The step running now and the temp dir: when this script is interrupted, the step's process
// group goes too (no smoke test's server outlives it), and so do the copies.
let running;
let tempDir;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    if (running) process.kill(-running.pid, 'SIGKILL');
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    process.exit(130);
  });
}

/**
 * Runs one command in its own process group, its output into `log`; resolves with the exit
 * code, or kills the whole group (a smoke test's server included) after `stepTimeoutMs`.
 */
function runLogged(command, commandArgs, { cwd, log }) {
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    out.write(`$ ${command} ${commandArgs.join(' ')}\n`);
    const child = spawn(command, commandArgs, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running = child;
    // Not found or not executable: 'close' follows with no exit code.
    child.once('error', (error) => out.write(`${error.message}\n`));
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, stepTimeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      out.end(() =>
        resolve({
          code: code ?? 1,
          detail: timedOut ? `timed out after ${seconds(stepTimeoutMs)}` : signal,
        }),
      );
    });
  });
}

/** The last lines of a step's log, for the failure report. */
function tail(log, lines = 60) {
  return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Copies a starter and points its @galaxyflow/* dependencies at the tarballs. */
function copyStarter(name, destination, tarballs) {
  const source = join(root, 'examples', name);
  const copy = join(destination, name);
  cpSync(source, copy, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
  const workspaceFile = join(copy, 'pnpm-workspace.yaml');
  const settings = existsSync(workspaceFile) ? readFileSync(workspaceFile, 'utf8') : '';
  if (/^overrides:/m.test(settings))
    throw new Error('its pnpm-workspace.yaml has overrides of its own, which this check replaces');
  const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
  const used = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
    (dependency) => dependency.startsWith('@galaxyflow/'),
  );
  const unknown = used.filter((dependency) => !packages.some((pkg) => npmName(pkg) === dependency));
  if (unknown.length > 0) throw new Error(`it depends on ${unknown.join(', ')}, not packed here`);
  // Only what it lists: pnpm warns about an override that matches nothing.
  const overrides = packages
    .filter((pkg) => used.includes(npmName(pkg)))
    .map((pkg) => `  '${npmName(pkg)}': 'file:${tarballs[pkg]}'`)
    .join('\n');
  writeFileSync(workspaceFile, `${settings.trimEnd()}\n\noverrides:\n${overrides}\n`.trimStart());
  return copy;
}

async function checkStarter(name, destination, tarballs) {
  const result = { name, steps: [], failed: undefined };
  const dir = join(destination, name);
  const logs = join(destination, 'logs');
  mkdirSync(logs, { recursive: true });
  const scripts = JSON.parse(
    readFileSync(join(root, 'examples', name, 'package.json'), 'utf8'),
  ).scripts;
  const steps = [
    ['copy', () => copyStarter(name, destination, tarballs)],
    // No lockfile: the versions a developer copying the starter today would get.
    ['install', ['install', '--prefer-offline', '--no-frozen-lockfile']],
    ['build', scripts.build ? ['run', 'build'] : undefined],
    ['test', ['test']],
  ];
  for (const [step, action] of steps) {
    if (action === undefined) {
      result.steps.push({ step, ms: undefined });
      continue;
    }
    const started = performance.now();
    if (typeof action === 'function') {
      try {
        action();
      } catch (error) {
        result.failed = { step, message: error.message };
        return result;
      }
    } else {
      const log = join(logs, `${name}.${step}.log`);
      const { code, detail } = await runLogged('pnpm', action, { cwd: dir, log });
      if (code !== 0) {
        const why = detail ? `${detail}, exit ${code}` : `exit ${code}`;
        result.failed = { step, message: `pnpm ${action.join(' ')} failed (${why})`, log };
        result.steps.push({ step, ms: performance.now() - started });
        return result;
      }
    }
    const ms = performance.now() - started;
    result.steps.push({ step, ms });
    if (step !== 'copy') process.stdout.write(` ${step} ${seconds(ms)}`);
  }
  return result;
}

function report(results, { packMs, cleanupMs, totalMs }) {
  const columns = ['install', 'build', 'test'];
  const width = Math.max(...starters.map((name) => name.length), 'starter'.length);
  console.log('\nStarters, from the packed tarballs');
  console.log(
    `  ${'starter'.padEnd(width)}  ${[...columns, 'total'].map((c) => c.padStart(8)).join('')}  result`,
  );
  for (const { name, steps, failed } of results) {
    const cells = columns.map((column) => {
      const step = steps.find((s) => s.step === column);
      return (step?.ms === undefined ? '-' : seconds(step.ms)).padStart(8);
    });
    const total = steps.reduce((sum, s) => sum + (s.ms ?? 0), 0);
    const verdict = failed ? `FAILED at ${failed.step}` : 'ok';
    console.log(
      `  ${name.padEnd(width)}  ${cells.join('')}${seconds(total).padStart(8)}  ${verdict}`,
    );
  }
  const cleanup = cleanupMs === undefined ? '' : `, removing the copies ${seconds(cleanupMs)}`;
  console.log(`  packing ${seconds(packMs)}${cleanup}, total ${seconds(totalMs)}`);
}

async function main() {
  const started = performance.now();
  if (!flags.has('--no-build')) {
    const build = spawnSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) {
      console.error('The packages did not build.');
      process.exit(1);
    }
  }
  for (const pkg of packages) {
    if (!existsSync(join(root, 'packages', pkg, 'dist'))) {
      console.error(`packages/${pkg} has no dist/: run \`pnpm run build\` first.`);
      process.exit(1);
    }
  }

  tempDir = mkdtempSync(join(tmpdir(), 'galaxyflow-starters-'));
  const packStarted = performance.now();
  mkdirSync(join(tempDir, 'tarballs'));
  const tarballs = packAll(join(tempDir, 'tarballs'));
  const packMs = performance.now() - packStarted;

  const results = [];
  for (const name of selected) {
    process.stdout.write(`${name}:`);
    const result = await checkStarter(name, tempDir, tarballs);
    console.log(result.failed ? ` ${result.failed.step} FAILED` : ', ok');
    results.push(result);
  }
  const failures = results.filter((result) => result.failed);
  const keep = failures.length > 0 || flags.has('--keep');
  let cleanupMs;
  if (!keep) {
    const cleanupStarted = performance.now();
    rmSync(tempDir, { recursive: true, force: true });
    cleanupMs = performance.now() - cleanupStarted;
  }
  report(results, { packMs, cleanupMs, totalMs: performance.now() - started });

  for (const { name, failed } of failures) {
    console.error(`\n${name}: ${failed.step} failed: ${failed.message}`);
    if (failed.log) console.error(`Last lines of ${failed.log}:\n${tail(failed.log)}`);
  }
  if (keep) {
    const print = failures.length > 0 ? console.error : console.log;
    print(`\nThe copies, their installs and logs are kept in ${tempDir}`);
  }
  if (failures.length > 0) {
    console.error(
      `\n${failures.length} starter(s) failed: ${failures.map((f) => f.name).join(', ')}.`,
    );
    process.exit(1);
  }
  console.log('\nStarters OK.');
}

await main();
