import { defineConfig } from 'tsup';

export default defineConfig((options) => ({
  entry: {
    index: 'src/index.ts',
    'providers/gemini': 'src/providers/gemini.ts',
    'providers/groq': 'src/providers/groq.ts',
    'providers/openaiCompatible': 'src/providers/openaiCompatible.ts',
    'node/index': 'src/nodeOnly/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  // tsup 8's declaration build sets baseUrl, which TypeScript 6 deprecates. It compiles every
  // entry in one program, so the Node-only `/node` and `/testing` entries need Node's types
  // there; `pnpm typecheck` still holds the main entry to web-standard globals.
  dts: { compilerOptions: { customConditions: [], ignoreDeprecations: '6.0', types: ['node'] } },
  sourcemap: true,
  // In watch mode (`pnpm dev`) a clean would leave dist/ half empty while it rebuilds, and
  // the reference app watching it would load the gap.
  clean: !options.watch,
  target: 'es2022',
  treeshake: true,
}));
