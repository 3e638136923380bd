import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'providers/gemini': 'src/providers/gemini.ts',
    'providers/groq': 'src/providers/groq.ts',
    'providers/openaiCompatible': 'src/providers/openaiCompatible.ts',
    'node/index': 'src/nodeOnly/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  treeshake: true,
});
