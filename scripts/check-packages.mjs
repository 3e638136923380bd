#!/usr/bin/env node
// Checks the three packages as a user receives them: builds, packs each into a temp dir,
// then checks every tarball's manifest (no source-only condition, no src/ path, exports in
// sync with publishConfig.exports, LICENSE shipped), runs publint and
// @arethetypeswrong/cli (node16 profile) on it, and bundles one export per public entry point
// with esbuild to hold a gzip size budget.
//
//   node scripts/check-packages.mjs                   build, pack, check
//   node scripts/check-packages.mjs --no-build        reuse dist/ (when a build just ran)
//   node scripts/check-packages.mjs --update-budgets  rewrite budgets as measured + 10 %
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const budgetsFile = join(root, 'scripts', 'bundle-budgets.json');
const args = new Set(process.argv.slice(2));
const sourceCondition = '@galaxyflow/source';
const margin = 1.1;

const packages = ['engine', 'react-editor', 'server-adapter'];

// One row per public entry point, with the export a host is most likely to import alone;
// a few more rows for the imports whose cost has regressed before (zod locales, editor
// tree-shaking). Server-only entries bundle for Node, the rest for the browser.
const entries = [
  { pkg: 'engine', subpath: '.', name: 'runWorkflow', platform: 'browser' },
  { pkg: 'engine', subpath: '.', name: 'validateWorkflow', platform: 'browser' },
  {
    pkg: 'engine',
    subpath: './providers/gemini',
    name: 'createGeminiProvider',
    platform: 'browser',
  },
  { pkg: 'engine', subpath: './providers/groq', name: 'createGroqProvider', platform: 'browser' },
  {
    pkg: 'engine',
    subpath: './providers/openai-compatible',
    name: 'createOpenAICompatibleProvider',
    platform: 'browser',
  },
  { pkg: 'engine', subpath: './node', name: 'createImageFetcher', platform: 'node' },
  { pkg: 'engine', subpath: './testing', name: 'startLLMStub', platform: 'node' },
  { pkg: 'react-editor', subpath: '.', name: 'WorkflowEditor', platform: 'browser' },
  { pkg: 'react-editor', subpath: '.', name: 'isConflictError', platform: 'browser' },
  {
    pkg: 'react-editor',
    subpath: './testing',
    name: 'runEditorClientContract',
    platform: 'browser',
  },
  { pkg: 'server-adapter', subpath: '.', name: 'createGalaxyFetchHandler', platform: 'node' },
  { pkg: 'server-adapter', subpath: './client', name: 'createGalaxyClient', platform: 'browser' },
  { pkg: 'server-adapter', subpath: './testing', name: 'runStoreContract', platform: 'node' },
];

// A native addon cannot be bundled: a host installs it next to the bundle.
const native = ['better-sqlite3'];

const timings = [];
const problems = [];

function timed(label, fn) {
  const started = performance.now();
  const result = fn();
  const finish = (value) => {
    timings.push({ label, seconds: (performance.now() - started) / 1000 });
    return value;
  };
  return result instanceof Promise ? result.then(finish) : finish(result);
}

function run(command, commandArgs, options = {}) {
  const { status } = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: root, ...options });
  return status === 0;
}

function withoutSourceCondition(value) {
  if (Array.isArray(value)) return value.map(withoutSourceCondition);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== sourceCondition)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

function pack(pkg, destination) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: join(root, 'packages', pkg),
    encoding: 'utf8',
  });
  return out.trim().split('\n').at(-1).trim();
}

function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
}

function tarballManifest(tarball) {
  return JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
}

function checkManifest(pkg, tarball) {
  const source = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
  if (!isDeepStrictEqual(source.publishConfig?.exports, withoutSourceCondition(source.exports))) {
    problems.push(
      `${pkg}: publishConfig.exports must equal exports without the ${sourceCondition} condition`,
    );
  }
  // Scripts are never run by a consumer, so only the fields a resolver or tool reads count.
  const { scripts: _scripts, ...published } = tarballManifest(tarball);
  const text = JSON.stringify(published);
  if (text.includes(sourceCondition))
    problems.push(`${pkg}: packed package.json names ${sourceCondition}`);
  if (/"\.?\/?src\//.test(text)) problems.push(`${pkg}: packed package.json points into src/`);
  if (!tarballFiles(tarball).includes('package/LICENSE'))
    problems.push(`${pkg}: tarball has no LICENSE`);
  return published;
}

function cssEntryPoints(manifest) {
  return Object.entries(manifest.exports ?? {})
    .filter(([, target]) => typeof target === 'string' && target.endsWith('.css'))
    .map(([subpath]) => subpath);
}

function importTarget(manifest, subpath) {
  const target = manifest.exports?.[subpath];
  return target?.import?.default ?? target?.default;
}

async function measure(entry, manifests) {
  const manifest = manifests[entry.pkg];
  const target = importTarget(manifest, entry.subpath);
  if (target === undefined) return undefined;
  const file = join(root, 'packages', entry.pkg, target);
  const result = await build({
    stdin: {
      contents: `export { ${entry.name} } from ${JSON.stringify(file)};`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: entry.platform,
    target: 'es2022',
    write: false,
    outdir: join(tmpdir(), 'galaxyflow-bundle'),
    logLevel: 'silent',
    define: entry.platform === 'browser' ? { 'process.env.NODE_ENV': '"production"' } : {},
    external: [...Object.keys(manifest.peerDependencies ?? {}), 'react/jsx-runtime', ...native],
  });
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  const minified = js.reduce((sum, f) => sum + f.contents.byteLength, 0);
  const gzip = js.reduce((sum, f) => sum + gzipSync(f.contents, { level: 9 }).byteLength, 0);
  return { minified, gzip };
}

const kB = (bytes) => (bytes / 1000).toFixed(1);

const labelOf = (entry) =>
  `@galaxyflow/${entry.pkg}${entry.subpath === '.' ? '' : entry.subpath.slice(1)} ${entry.name}`;

async function main() {
  const startedAll = performance.now();
  if (!args.has('--no-build') && !timed('build', () => run('pnpm', ['run', 'build']))) {
    console.error('Build failed.');
    process.exit(1);
  }

  const destination = mkdtempSync(join(tmpdir(), 'galaxyflow-pack-'));
  try {
    const tarballs = timed('pack', () =>
      Object.fromEntries(packages.map((pkg) => [pkg, pack(pkg, destination)])),
    );
    const manifests = {};
    for (const pkg of packages) manifests[pkg] = checkManifest(pkg, tarballs[pkg]);

    const bin = (name) => join(root, 'node_modules', '.bin', name);
    timed('publint', () => {
      for (const pkg of packages) {
        if (!run(bin('publint'), ['run', tarballs[pkg], '--strict']))
          problems.push(`${pkg}: publint failed`);
      }
    });
    timed('attw', () => {
      for (const pkg of packages) {
        // attw looks for JavaScript and types only: a stylesheet export cannot resolve to either.
        const css = cssEntryPoints(manifests[pkg]);
        const exclude = css.length > 0 ? ['--exclude-entrypoints', ...css] : [];
        const attwArgs = [
          tarballs[pkg],
          '--profile',
          'node16',
          '--format',
          'table-flipped',
          ...exclude,
        ];
        if (!run(bin('attw'), attwArgs)) problems.push(`${pkg}: attw failed`);
      }
    });

    const budgets = JSON.parse(readFileSync(budgetsFile, 'utf8'));
    const measured = await timed('bundle sizes', () =>
      Promise.all(
        entries.map(async (entry) => {
          const size = await measure(entry, manifests);
          return size && { label: labelOf(entry), ...size };
        }),
      ),
    );
    entries.forEach((entry, i) => {
      if (!measured[i])
        problems.push(
          `${labelOf(entry)}: the packed exports have no import target for ${entry.subpath}`,
        );
    });
    const rows = measured.filter(Boolean);

    if (args.has('--update-budgets')) {
      const next = Object.fromEntries(
        rows.map((row) => [row.label, Math.ceil((row.gzip * margin) / 100) * 100]),
      );
      writeFileSync(budgetsFile, `${JSON.stringify(next, null, 2)}\n`);
      console.log(`\nWrote ${budgetsFile}`);
      Object.assign(budgets, next);
    }

    const width = Math.max(...rows.map((row) => row.label.length));
    console.log(
      `\nBundle size per entry point (esbuild, minified; kB = 1000 bytes; peers external)`,
    );
    console.log(
      `  ${'entry point and export'.padEnd(width)}  ${'min'.padStart(7)}  ${'gzip'.padStart(7)}  ${'budget'.padStart(7)}`,
    );
    for (const row of rows) {
      const budget = budgets[row.label];
      const verdict = budget === undefined ? '  no budget' : row.gzip > budget ? '  OVER' : '';
      const budgetText = budget === undefined ? '-' : kB(budget);
      console.log(
        `  ${row.label.padEnd(width)}  ${kB(row.minified).padStart(7)}  ${kB(row.gzip).padStart(7)}  ${budgetText.padStart(7)}${verdict}`,
      );
      if (budget === undefined)
        problems.push(`${row.label}: no budget in scripts/bundle-budgets.json`);
      else if (row.gzip > budget)
        problems.push(`${row.label}: ${kB(row.gzip)} kB gzip is over its ${kB(budget)} kB budget`);
    }
    for (const label of Object.keys(budgets)) {
      if (!entries.some((entry) => labelOf(entry) === label))
        problems.push(`${label}: budget for an entry the script does not list`);
    }
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }

  timings.push({ label: 'total', seconds: (performance.now() - startedAll) / 1000 });
  console.log('\nTimes');
  for (const { label, seconds } of timings)
    console.log(`  ${label.padEnd(12)}  ${seconds.toFixed(1).padStart(6)} s`);

  if (problems.length > 0) {
    console.error(`\n${problems.length} package problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log('\nPackages OK.');
}

await main();
