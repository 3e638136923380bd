import { randomBytes } from 'node:crypto';
import type { WorkflowInput } from '@galaxyflow/engine';
import { type LLMStub, startLLMStub } from '@galaxyflow/engine/testing';
import { type APIRequestContext, test as base, expect, type Page } from '@playwright/test';
import { type RunningServer, startServer } from './server';

/**
 * The people the server knows, by their AUTH_TOKENS user id. Carol is who the editor-tool,
 * phone and task-efficiency specs sign in as, and Dave the side-panel spec: their requests
 * count against their own rate limit (100 a minute per user), not against Alice's, whom the
 * older specs share. With the side panels on Alice, a fast run of the suite sent her over it.
 */
export type User = 'alice' | 'bob' | 'carol' | 'dave';

/** The key the app is configured with; the stub refuses any other, as Gemini would. */
const GEMINI_KEY = 'e2e-gemini-key';

export interface AppServer extends RunningServer {
  /** Each user's sign-in token (AUTH_TOKENS). */
  readonly tokens: Readonly<Record<User, string>>;
}

export interface SavedWorkflow {
  id: string;
  name: string;
  version: number;
}

/** The app's REST API as one user, for arranging a test's starting state quickly. */
export interface Api {
  createWorkflow(workflow: WorkflowInput & { name: string }): Promise<SavedWorkflow>;
  /** The workflow as the server has it now. */
  getWorkflow(id: string): Promise<SavedWorkflow & WorkflowInput>;
}

interface WorkerFixtures {
  /** The local stand-in for Gemini the server talks to; scripted per test. */
  llm: LLMStub;
  /** The app's own process on a fresh data directory, pointed at `llm`. */
  server: AppServer;
}

interface TestFixtures {
  /** Opens the login URL of `user` (default alice) and waits for the workflow list. */
  signIn(page: Page, user?: User): Promise<void>;
  /** The REST API as `user` (default alice). */
  api(user?: User): Promise<Api>;
  /** Saves a full-page screenshot of a key state in the test's folder under test-results/. */
  snap(page: Page, name: string): Promise<void>;
  /** Uncaught errors in any page of the test; the test fails if there are any. */
  pageErrors: Error[];
  _perTest: undefined;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  llm: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; there are none
    async ({}, use) => {
      const stub = await startLLMStub({ apiKey: GEMINI_KEY });
      await use(stub);
      await stub.close();
    },
    { scope: 'worker' },
  ],

  server: [
    async ({ llm }, use) => {
      const tokens = {
        alice: randomBytes(16).toString('hex'),
        bob: randomBytes(16).toString('hex'),
        carol: randomBytes(16).toString('hex'),
        dave: randomBytes(16).toString('hex'),
      };
      const server = await startServer({
        env: {
          AUTH_TOKENS: `${tokens.alice}=alice,${tokens.bob}=bob,${tokens.carol}=carol,${tokens.dave}=dave`,
          GEMINI_API_KEY: GEMINI_KEY,
          GEMINI_BASE_URL: llm.url,
        },
      });
      await use({ ...server, tokens });
      const code = await server.stop();
      // A clean SIGTERM exit is part of what the app promises (README).
      if (code !== 0)
        throw new Error(
          `The server exited with code ${code} on SIGTERM. Its output:\n${server.output()}`,
        );
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  baseURL: async ({ server }, use) => {
    await use(server.url);
  },

  // Every test starts with an empty script and no recorded requests, and its server log
  // is attached when it fails.
  _perTest: [
    async ({ llm, server }, use, testInfo) => {
      llm.reset();
      const logStart = server.output().length;
      await use(undefined);
      const log = server.output().slice(logStart);
      if (testInfo.status !== testInfo.expectedStatus && log)
        await testInfo.attach('server output', { body: log, contentType: 'text/plain' });
    },
    { auto: true },
  ],

  pageErrors: [
    async ({ context }, use) => {
      const errors: Error[] = [];
      context.on('weberror', (webError) => errors.push(webError.error()));
      await use(errors);
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],

  signIn: async ({ server }, use) => {
    await use(async (page, user = 'alice') => {
      await page.goto(`/?token=${server.tokens[user]}`);
      await expect(page.getByRole('navigation', { name: 'Workflows' })).toBeVisible();
    });
  },

  api: async ({ playwright, server }, use) => {
    const contexts: APIRequestContext[] = [];
    await use(async (user = 'alice') => {
      const request = await playwright.request.newContext({
        baseURL: server.url,
        extraHTTPHeaders: { authorization: `Bearer ${server.tokens[user]}` },
      });
      contexts.push(request);
      return {
        async createWorkflow(workflow) {
          const response = await request.post('/api/workflows', { data: workflow });
          expect(response.status(), await response.text()).toBe(201);
          return (await response.json()) as SavedWorkflow;
        },
        async getWorkflow(id) {
          const response = await request.get(`/api/workflows/${id}`);
          expect(response.status(), await response.text()).toBe(200);
          return (await response.json()) as SavedWorkflow & WorkflowInput;
        },
      };
    });
    await Promise.all(contexts.map((request) => request.dispose()));
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; there are none
  snap: async ({}, use, testInfo) => {
    let index = 0;
    await use(async (page, name) => {
      await page.screenshot({
        path: testInfo.outputPath(`${String(++index).padStart(2, '0')}-${name}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    });
  },
});

export { expect };
