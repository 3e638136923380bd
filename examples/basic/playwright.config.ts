import { defineConfig } from '@playwright/test';

const CI = Boolean(process.env.CI);

/**
 * End-to-end tests: Debian's Chromium against the real server process (`server/main.ts`) on
 * a fresh SQLite file, with only the LLM provider replaced by a local stub. Each worker
 * starts its own stub and server (see e2e/fixtures.ts), so no port or data is shared.
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/e2e',
  // One worker: the server runs nodes on this machine's two shared cores too.
  workers: 1,
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [
    [CI ? 'line' : 'list'],
    // Read by the repository's test summary, with every other runner's counts.
    ['json', { outputFile: '../../test-results/playwright/example-basic.json' }],
  ],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    viewport: { width: 1600, height: 1000 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
