import type { StorybookConfig } from '@storybook/react-vite';
import { defaultClientConditions, mergeConfig } from 'vite';

const config: StorybookConfig = {
  stories: ['../packages/*/src/**/*.stories.@(ts|tsx)'],
  framework: { name: '@storybook/react-vite', options: {} },
  core: { disableTelemetry: true },
  // Stories document themselves through args; skipping docgen keeps the build fast.
  typescript: { reactDocgen: false },
  viteFinal: (viteConfig) =>
    mergeConfig(viteConfig, {
      // Workspace packages resolve to their TypeScript sources: no prebuild needed.
      resolve: { conditions: ['@galaxyflow/source', ...defaultClientConditions] },
    }),
};

export default config;
