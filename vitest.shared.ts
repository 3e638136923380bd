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
    // Measured when a package's `test` script passes `--coverage`, so one file run by hand is not
    // held to the whole package's floor. Each package sets its own `thresholds`.
    coverage: {
      provider: 'v8',
      // Everything a package ships, including the `testing` entry (contract suites adopters run
      // against their own stores and clients); not its tests, stories or the fixtures they share.
      include: ['src/**/*.{ts,tsx}'],
      exclude: [
        'src/**/__tests__/**',
        'src/**/*.test.{ts,tsx}',
        'src/**/*.test-d.ts',
        'src/**/*.stories.tsx',
        'src/**/*.d.ts',
        'src/fixtures/**',
      ],
      // The table for people; the summary for the per-package line at the end of `npm test`.
      reporter: ['text', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
});
