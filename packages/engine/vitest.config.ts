import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    resolve: {
      // The engine must not depend on React: if anything in it imports React, the tests fail.
      alias: {
        react: fileURLToPath(new URL('./test/forbidden-module.ts', import.meta.url)),
        'react-dom': fileURLToPath(new URL('./test/forbidden-module.ts', import.meta.url)),
      },
    },
    test: { typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' } },
  }),
);
