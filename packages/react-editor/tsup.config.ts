import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);

/**
 * One stylesheet for hosts: React Flow's structural base styles followed by the editor's
 * own, all scoped to `.react-flow` / `.gf-` classes so nothing leaks into the host page.
 */
function writeStylesheet(): void {
  const base = readFileSync(require.resolve('@xyflow/react/dist/base.css'), 'utf8');
  const own = readFileSync(new URL('./src/styles/editor.css', import.meta.url), 'utf8');
  writeFileSync(new URL('./dist/style.css', import.meta.url), `${base}\n${own}`);
}

export default defineConfig((options) => ({
  // `testing` (the EditorClient contract suite) is its own entry: the editor's bundle never
  // imports it, and without code splitting neither bundle loads a chunk of the other.
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  splitting: false,
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  // In watch mode (`pnpm dev`) a clean would leave dist/ half empty while it rebuilds, and
  // the reference app watching it would load the gap.
  clean: !options.watch,
  target: 'es2022',
  // Rollup's extra tree-shaking pass would strip the 'use client' directive; esbuild's is enough.
  treeshake: false,
  external: ['react', 'react-dom', 'react/jsx-runtime', 'vitest'],
  banner: { js: "'use client';" },
  onSuccess: async () => writeStylesheet(),
}));
