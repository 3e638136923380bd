import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);
const srcDir = fileURLToPath(new URL('./src/', import.meta.url));

/**
 * One stylesheet for hosts: React Flow's structural base styles followed by the editor's
 * own, all scoped to `.react-flow` / `.gf-` classes so nothing leaks into the host page.
 */
function writeStylesheet(): void {
  const base = readFileSync(require.resolve('@xyflow/react/dist/base.css'), 'utf8');
  const own = readFileSync(new URL('./src/styles/editor.css', import.meta.url), 'utf8');
  writeFileSync(new URL('./dist/style.css', import.meta.url), `${base}\n${own}`);
}

const sourceExtensions = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

/**
 * Every source module becomes its own output file and imports between them stay imports
 * (with the extension Node's resolver needs). A host's bundler can then drop whole modules
 * it does not use (the package declares its JavaScript free of side effects): importing
 * `isConflictError` alone no longer pulls in React Flow and the engine's schemas, as one
 * flat bundle did, since a bundler cannot prove top-level calls such as `memo()` pure.
 */
const preserveModules: Plugin = {
  name: 'preserve-modules',
  setup(build) {
    const extension = build.initialOptions.format === 'cjs' ? '.cjs' : '.js';
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const base = join(args.resolveDir, args.path);
      const suffix = sourceExtensions.find((candidate) => existsSync(base + candidate));
      if (suffix === undefined) return undefined;
      const specifier = args.path + suffix.replace(/\.tsx?$/, extension);
      return { path: specifier, external: true };
    });
  },
};

/**
 * Components and hooks are client modules (`'use client'`), so a Server Component may render
 * `<WorkflowEditor>` and import helpers such as `isConflictError` or `toWorkflow` as plain
 * server code. The directive goes on the module's first line, so no line of its source map
 * moves.
 */
const isClientModule = (path: string) => {
  const file = relative(srcDir, path);
  return /^components\/.*\.tsx$/.test(file) || /^hooks\/.*\.ts$/.test(file);
};

const clientDirective: Plugin = {
  name: 'client-directive',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (!isClientModule(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      return { contents: `'use client';${source}`, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

const modules = [
  'src/**/*.{ts,tsx}',
  '!src/**/*.test.{ts,tsx}',
  '!src/**/*.stories.tsx',
  '!src/**/__tests__/**',
  '!src/fixtures/**',
];

export default defineConfig((options) => ({
  entry: modules,
  format: ['esm', 'cjs'],
  bundle: true,
  splitting: false,
  esbuildPlugins: [preserveModules, clientDirective],
  // Declarations for the two public entries only, each one self-contained file.
  dts: {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    // tsup 8's declaration build sets baseUrl, which TypeScript 6 deprecates.
    compilerOptions: { customConditions: [], ignoreDeprecations: '6.0' },
  },
  sourcemap: true,
  // In watch mode (`pnpm dev`) a clean would leave dist/ half empty while it rebuilds, and
  // the reference app watching it would load the gap.
  clean: !options.watch,
  target: 'es2022',
  // Rollup's extra tree-shaking pass would strip the 'use client' directives.
  treeshake: false,
  external: ['react', 'react-dom', 'react/jsx-runtime', 'vitest'],
  onSuccess: async () => writeStylesheet(),
}));
