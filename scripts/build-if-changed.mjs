#!/usr/bin/env node
// Builds the named workspace folders (default: every package) and their workspace
// dependencies, in dependency order, skipping any whose build inputs are unchanged since its
// last build, so that a second `npm start` does not spend minutes rebuilding what it built.
//
// A folder's fingerprint hashes its build inputs (INPUTS below, test and story files left
// out), the shared TypeScript settings, the lockfile (a dependency bump can change the
// output) and the fingerprints of the workspace packages it depends on, so a change reaches
// every dependent. The fingerprint is kept with a signature of `dist/` in
// `node_modules/.cache/build-if-changed.json`: if `dist/` is missing or was rewritten by
// another build since (`pnpm run build`, watch mode), the folder is built again.
//
//   node scripts/build-if-changed.mjs                  # every package
//   node scripts/build-if-changed.mjs examples/basic   # the reference app and what it uses
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INPUTS = [
  'src',
  'server',
  'build-server.mjs',
  'index.html',
  'public',
  'package.json',
  'tsconfig.json',
  'tsup.config.ts',
  'vite.config.ts',
];
const SHARED_INPUTS = ['tsconfig.base.json', 'pnpm-lock.yaml'];
const SKIPPED_FILE = /\.(test|test-d|stories)\.[cm]?[jt]sx?$/;
const SKIPPED_DIR = new Set(['__tests__', 'node_modules']);
const STATE = join('node_modules', '.cache', 'build-if-changed.json');

/** Every workspace folder by package name, from the `packages:` globs of pnpm-workspace.yaml. */
function workspaceFolders() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s]+)\/\*['"]?\s*$/gm)].map((m) => m[1]);
  const byName = new Map();
  for (const parent of globs) {
    const base = join(ROOT, parent);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const dir = join(base, entry);
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) byName.set(JSON.parse(readFileSync(manifest, 'utf8')).name, dir);
    }
  }
  return byName;
}

/**
 * The workspace packages a folder's build reads. Dev dependencies are left out: a published
 * build cannot import one (a host would not have it), they serve tests and stories.
 */
function workspaceDependencies(dir, byName) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const names = Object.keys({
    ...manifest.dependencies,
    ...manifest.peerDependencies,
    ...manifest.optionalDependencies,
  });
  return names.filter((name) => byName.has(name)).map((name) => byName.get(name));
}

function listFiles(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return SKIPPED_FILE.test(path) ? [] : [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !(entry.isDirectory() && SKIPPED_DIR.has(entry.name)))
    .flatMap((entry) => listFiles(join(path, entry.name)));
}

function fingerprint(dir, dependencyFingerprints) {
  const hash = createHash('sha256');
  const files = [
    ...INPUTS.flatMap((input) => listFiles(join(dir, input))),
    ...SHARED_INPUTS.map((f) => join(ROOT, f)),
  ];
  for (const file of files.sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const dependency of dependencyFingerprints) hash.update(dependency);
  return hash.digest('hex');
}

/** What a build writes: `dist/`, and the reference app's bundled server. */
const OUTPUTS = ['dist', 'dist-server'];

/** Paths, sizes and modification times of the outputs: cheap, and changes on any rebuild. */
function distSignature(dir) {
  if (!existsSync(join(dir, 'dist'))) return undefined;
  const hash = createHash('sha256');
  for (const output of OUTPUTS) {
    for (const file of listFiles(join(dir, output)).sort()) {
      const { size, mtimeMs } = statSync(file);
      hash.update(`${relative(dir, file)}\0${size}\0${mtimeMs}\0`);
    }
  }
  return hash.digest('hex');
}

function readState(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, STATE), 'utf8'));
  } catch {
    return undefined;
  }
}

const byName = workspaceFolders();
const requested = process.argv.slice(2).map((arg) => resolve(arg));
const targets =
  requested.length > 0
    ? requested
    : [...byName.values()].filter((dir) => relative(ROOT, dir).startsWith('packages'));

const fingerprints = new Map();
function ensureBuilt(dir) {
  if (fingerprints.has(dir)) return fingerprints.get(dir);
  const dependencies = workspaceDependencies(dir, byName).map(ensureBuilt);
  const current = fingerprint(dir, dependencies);
  const name = relative(ROOT, dir);
  const state = readState(dir);
  if (
    state?.fingerprint === current &&
    state.dist !== undefined &&
    state.dist === distSignature(dir)
  ) {
    console.log(`build-if-changed: ${name} is up to date`);
  } else {
    const started = performance.now();
    console.log(`build-if-changed: building ${name}`);
    const { status } = spawnSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
    mkdirSync(dirname(join(dir, STATE)), { recursive: true });
    writeFileSync(
      join(dir, STATE),
      JSON.stringify({ fingerprint: current, dist: distSignature(dir) }),
    );
    console.log(
      `build-if-changed: built ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  fingerprints.set(dir, current);
  return current;
}

for (const dir of targets) ensureBuilt(dir);
