import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      setupFiles: ['./test/setup.ts'],
      // Coverage measured 91.4 / 76.4 / 87.4 / 87.2 % (lines / branches / statements / functions).
      // Floors sit two points below: a real drop fails the run, a timing-dependent branch does not.
      coverage: { thresholds: { lines: 89, branches: 74, statements: 85, functions: 85 } },
    },
  }),
);
