import { defineConfig } from '@playwright/test';

const CI = Boolean(process.env.CI);
const PORT = Number(process.env.E2E_PORT ?? 3111);

/**
 * End-to-end tests: Debian's Chromium against the built app (`next start`) on a fresh SQLite
 * file, with runs executed in the app process and Clerk replaced by the test sign-in through
 * the host's own seam (`GALAXY_TEST_AUTH=1` with NODE_ENV=test, see src/auth/testAuthMode.ts).
 * Run after `next build` (the `test` script does both).
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/e2e',
  // One worker: the server runs nodes on this machine's two shared cores too.
  workers: 1,
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    [CI ? 'line' : 'list'],
    // Read by the repository's test summary, with every other runner's counts.
    [
      'json',
      { outputFile: '../../test-results/playwright/example-next-clerk-prisma-trigger.json' },
    ],
  ],
  webServer: {
    command: 'node e2e/start-server.mjs',
    env: { PORT: String(PORT) },
    url: `http://127.0.0.1:${PORT}/api/ready`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
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
    navigationTimeout: 20_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
