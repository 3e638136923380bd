import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve each other's TypeScript sources through the
 * `@galaxyflow/source` export condition, so tests never need a build first.
 */
export const sourceConditions = ['@galaxyflow/source'];

export const sharedConfig = defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
