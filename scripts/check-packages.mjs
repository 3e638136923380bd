#!/usr/bin/env node
// Checks the three packages as a user receives them: builds, packs each into a temp dir,
// then checks every tarball's manifest (no source-only condition, no src/ path, exports in
// sync with publishConfig.exports, LICENSE shipped), runs publint and
// @arethetypeswrong/cli (node16 profile) on it, type-checks a browser host against the
// tarballs, and bundles one export per public entry point
// with esbuild to hold a gzip size budget.
//
//   node scripts/check-packages.mjs                   build, pack, check
//   node scripts/check-packages.mjs --no-build        reuse dist/ (when a build just ran)
//   node scripts/check-packages.mjs --update-budgets  rewrite budgets as measured + 10 %
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { packages, packAll, root } from './lib/pack.mjs';

const budgetsFile = join(root, 'scripts', 'bundle-budgets.json');
const args = new Set(process.argv.slice(2));
const sourceCondition = '@galaxyflow/source';
const margin = 1.1;

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
  { pkg: 'react-editor', subpath: '.', name: 'createMemoryClient', platform: 'browser' },
  {
    pkg: 'react-editor',
    subpath: './testing',
    name: 'runEditorClientContract',
    platform: 'browser',
  },
  { pkg: 'server-adapter', subpath: '.', name: 'createGalaxyFetchHandler', platform: 'node' },
  { pkg: 'server-adapter', subpath: './client', name: 'createGalaxyClient', platform: 'browser' },
  { pkg: 'server-adapter', subpath: './testing', name: 'runStoreContract', platform: 'node' },
  { pkg: 'server-adapter', subpath: './testing/servers', name: 'startTestPostgres', platform: 'node' },
  {
    pkg: 'server-adapter',
    subpath: './metrics',
    name: 'createPrometheusMetrics',
    platform: 'node',
  },
  { pkg: 'server-adapter', subpath: './sqlite', name: 'createSqliteStore', platform: 'node' },
  { pkg: 'server-adapter', subpath: './postgres', name: 'createPostgresStore', platform: 'node' },
  { pkg: 'server-adapter', subpath: './redis', name: 'createRedisEventBus', platform: 'node' },
  { pkg: 'server-adapter', subpath: './bullmq', name: 'createBullMQWorker', platform: 'node' },
  { pkg: 'server-adapter', subpath: './s3', name: 'createS3BlobStore', platform: 'node' },
];

// Database drivers are optional peers behind their own entry points: a host on one store must
// not load another's driver (a native addon it may not have built) by importing the root.
const driverFree = [
  {
    pkg: 'server-adapter',
    subpath: '.',
    drivers: ['better-sqlite3', 'pg', 'ioredis', 'bullmq', '@aws-sdk/client-s3'],
  },
];

// A native addon cannot be bundled, and a database driver is the host's to install next to
// the bundle.
const native = ['better-sqlite3', 'pg'];

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

// Peers the host brings for its own sake (React, Express, a provider SDK it chose) stay out of
// the figure; the engine and zod are peers only so a host has one copy of each, and a host
// importing the editor still ships them, so they are counted.
const countedPeers = new Set(['@galaxyflow/engine', 'zod']);
const hostOwned = (manifest) =>
  Object.keys(manifest.peerDependencies ?? {}).filter((name) => !countedPeers.has(name));

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
    external: [...hostOwned(manifest), 'react/jsx-runtime', ...native],
  });
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  const minified = js.reduce((sum, f) => sum + f.contents.byteLength, 0);
  const gzip = js.reduce((sum, f) => sum + gzipSync(f.contents, { level: 9 }).byteLength, 0);
  return { minified, gzip };
}

// Installed packages that do not support the running Node, each with why that is acceptable.
const enginesAllowed = {
  '@prisma/streams-local':
    'reached only through `prisma dev` (a local database server), which nothing here runs',
};

/**
 * Every installed package supports the running Node (CI runs the lowest version `engines`
 * states, 20.19+, and the current LTS): tools that want a newer Node install without
 * complaint and then fail at run time, so a dependency bump that raises the floor fails here.
 */
function checkEngines() {
  // It exits non-zero when it finds any; the JSON on stdout says which.
  const { stdout } = spawnSync('pnpm', ['audit', 'engines', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const entry of JSON.parse(stdout || '[]')) {
    if (enginesAllowed[entry.name]) continue;
    problems.push(
      `${entry.name}@${entry.version} wants Node ${entry.wanted?.node}, not ${process.version} (via ${entry.via?.join(' > ')})`,
    );
  }
}

/**
 * A browser host: no @types/node anywhere above it, `types: []`, `skipLibCheck: false`,
 * DOM lib. It installs the tarballs (and the engine's zod, eventemitter3 and @opentelemetry/api) and type-checks
 * imports of the browser entry points, so a server-only type (node:http, pino) leaking into
 * `@galaxyflow/server-adapter/client` or the editor fails here.
 */
/** A package's directory as Node would find it from `from` (some packages do not export package.json). */
function packageDir(from, name) {
  const found = from.resolve.paths(name).find((dir) => existsSync(join(dir, name, 'package.json')));
  if (!found) throw new Error(`${name} is not installed`);
  return realpathSync(join(found, name));
}

function checkBrowserTypes(tarballs, destination) {
  const host = join(destination, 'browser-host');
  const modules = join(host, 'node_modules');
  for (const pkg of ['engine', 'server-adapter', 'react-editor']) {
    const target = join(modules, '@galaxyflow', pkg);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarballs[pkg], '-C', target, '--strip-components=1']);
  }
  const fromEngine = createRequire(join(root, 'packages', 'engine', 'package.json'));
  const fromEditor = createRequire(join(root, 'packages', 'react-editor', 'package.json'));
  const linked = {
    zod: fromEngine,
    eventemitter3: fromEngine,
    '@opentelemetry/api': fromEngine,
    react: fromEditor,
    '@types/react': fromEditor,
    '@xyflow/react': fromEditor,
    '@xyflow/system': createRequire(join(packageDir(fromEditor, '@xyflow/react'), 'package.json')),
    zustand: fromEditor,
    zundo: fromEditor,
  };
  for (const [name, from] of Object.entries(linked)) {
    const target = join(modules, name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(packageDir(from, name), target, 'dir');
  }
  writeFileSync(
    join(host, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        jsx: 'react-jsx',
      },
      files: ['host.ts'],
    }),
  );
  writeFileSync(
    join(host, 'host.ts'),
    [
      "import { createGalaxyClient } from '@galaxyflow/server-adapter/client';",
      "import { isConflictError, WorkflowEditor } from '@galaxyflow/react-editor';",
      "import { validateWorkflow } from '@galaxyflow/engine';",
      "const client = createGalaxyClient({ baseUrl: '/api' });",
      'export const used = [client, isConflictError, WorkflowEditor, validateWorkflow];',
      '',
    ].join('\n'),
  );
  if (!run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', host]))
    problems.push('a browser host (no @types/node, skipLibCheck off) fails to type-check');
}

/** Bundles everything an entry point exports and lists the drivers the bundle would import. */
async function checkDriverFree(entry, manifests) {
  const target = importTarget(manifests[entry.pkg], entry.subpath);
  const result = await build({
    stdin: {
      contents: `export * from ${JSON.stringify(join(root, 'packages', entry.pkg, target))};`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: [...hostOwned(manifests[entry.pkg]), ...native],
  });
  const imported = new Set(
    Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((i) => i.external).map((i) => i.path),
    ),
  );
  for (const driver of entry.drivers) {
    if (imported.has(driver)) {
      problems.push(
        `@galaxyflow/${entry.pkg}${entry.subpath === '.' ? '' : entry.subpath.slice(1)} imports ${driver}: move its use behind a subpath`,
      );
    }
  }
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
    const tarballs = timed('pack', () => packAll(destination));
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

    timed('browser types', () => checkBrowserTypes(tarballs, destination));
    timed('engines', () => checkEngines());
    await timed('drivers', () =>
      Promise.all(driverFree.map((entry) => checkDriverFree(entry, manifests))),
    );

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
      `\nBundle size per entry point (esbuild, minified; kB = 1000 bytes; React, Express and provider SDKs external)`,
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
    console.log(`  ${label.padEnd(13)}  ${seconds.toFixed(1).padStart(6)} s`);

  if (problems.length > 0) {
    console.error(`\n${problems.length} package problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log('\nPackages OK.');
}

await main();
