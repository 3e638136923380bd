import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      // Real SQLite files and a PGlite server per file: forks keep native handles in one thread.
      pool: 'forks',
    },
  }),
);
