import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      // Every test opens a real SQLite file; run files in forks so native handles never cross threads.
      pool: 'forks',
    },
  }),
);
