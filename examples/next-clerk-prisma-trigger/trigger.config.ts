import { defineConfig } from '@trigger.dev/sdk';

export default defineConfig({
  // Your project's ref from the Trigger.dev dashboard (proj_…).
  project: process.env.TRIGGER_PROJECT_REF ?? 'proj_set_TRIGGER_PROJECT_REF',
  dirs: ['./src/trigger'],
  runtime: 'node',
  maxDuration: 65 * 60,
  build: {
    // Native drivers stay out of the bundle and are installed in the deployed image.
    external: ['better-sqlite3'],
  },
});
