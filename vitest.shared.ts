import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve each other's TypeScript sources through the
 * `@galaxyflow/source` export condition, so tests never need a build first.
 */
export const sourceConditions = ['@galaxyflow/source'];

const root = dirname(fileURLToPath(import.meta.url));

export const sharedConfig = defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each package's counts also go to one folder, for the total `npm test` prints at the end.
    reporters: ['default', 'json'],
    outputFile: { json: join(root, 'test-results', 'vitest', `${basename(process.cwd())}.json`) },
  },
});
