import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinNodes, createProvidersFromEnv, createRegistry, getProviderSet, llmContext, type NodeRegistry, type RunContext } from '@galaxyflow/engine';
import { createImageFetcher } from '@galaxyflow/engine/node';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import {
  createGalaxyRouter,
  createInProcessQueue,
  type GalaxyLimits,
  type GalaxyStore,
  type RunRetention,
  startRunRetention,
  tokenAuth,
} from '@galaxyflow/server-adapter';
import express, { type Express } from 'express';
import pino, { type Logger } from 'pino';
import type { AppConfig } from './config';
import { openWritableStore, prepareDataDir } from './dataDir';
import { startObservability } from './observability';
import { plainErrors } from './plainErrors';
import { resolveTokens } from './tokens';

const CLIENT_DIR = fileURLToPath(new URL('../dist', import.meta.url));

export interface App {
  app: Express;
  /** The login token made on first start, when `AUTH_TOKENS` is not set. */
  generatedToken: string | undefined;
  /**
   * Stops taking runs, lets running nodes finish up to `deadlineMs` (default 10,000) and
   * records them, releases unfinished runs for the next worker, then closes the database.
   */
  close(deadlineMs?: number): Promise<void>;
}

export interface AppOptions {
  /** The raw environment, for the LLM providers' keys and base URLs. */
  env: Record<string, string | undefined>;
  logger?: Logger;
  /** Extra host services for nodes (tests inject a provider set here). */
  context?: RunContext;
  /** The node types workflows may use. Default the built-ins (tests add their own). */
  registry?: NodeRegistry;
  /** The built editor page (`index.html` and `assets/`). Default `dist` beside the server. */
  clientDir?: string;
}

/** The whole reference app: API on the embedded defaults plus the built editor page. */
export async function createApp(config: AppConfig, options: AppOptions): Promise<App> {
  const dataDir = prepareDataDir(config.DATA_DIR);
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL });
  const { tokens, generated } = resolveTokens(dataDir, config.AUTH_TOKENS);

  const registry = options.registry ?? createRegistry(builtinNodes);
  const store = await openWritableStore(dataDir);
  const providers = createProvidersFromEnv(options.env, [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv]);
  // What `GET /providers` describes is what the workers run with, injected context included.
  const runProviders = options.context ? getProviderSet(options.context) : providers;
  const observability = await startObservability(config, logger);
  const { onError, metrics } = observability;
  const queue = createInProcessQueue({
    store,
    registry,
    context: options.context ?? llmContext({ providers, fetchImage: createImageFetcher() }),
    logger,
    ...(onError ? { onError } : {}),
    ...(metrics ? { metrics } : {}),
  });

  const retention = startRetention(config, store, logger);
  const limits: GalaxyLimits = {
    ...(config.MAX_STORED_RUNS_PER_USER > 0 ? { maxStoredRunsPerUser: config.MAX_STORED_RUNS_PER_USER } : {}),
    ...(config.MAX_WORKFLOWS_PER_USER > 0 ? { maxWorkflowsPerUser: config.MAX_WORKFLOWS_PER_USER } : {}),
  };

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // Inline style attributes are how the canvas positions nodes; scripts come only from this origin.
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens }),
      store,
      queue,
      registry,
      logger,
      limits,
      ...(runProviders ? { providers: runProviders } : {}),
      ...(retention ? { retention: retention.policy } : {}),
      ...(onError ? { onError } : {}),
      ...(metrics && config.METRICS_TOKEN ? { metrics, metricsToken: config.METRICS_TOKEN } : {}),
    }),
  );

  const clientDir = options.clientDir ?? CLIENT_DIR;
  if (existsSync(join(clientDir, 'index.html'))) {
    app.use('/assets', express.static(join(clientDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
    app.use(express.static(clientDir, { index: false }));
    app.get('/{*path}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(clientDir, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text').send('The editor page is not built yet: run `pnpm --filter @galaxyflow/example-basic build`.');
    });
  }
  app.use(plainErrors(logger));

  await queue.start();
  let closed = false;
  return {
    app,
    generatedToken: generated,
    async close(deadlineMs = 10_000) {
      if (closed) return;
      closed = true;
      await retention?.stop();
      await queue.stop({ deadlineMs });
      await store.close();
      await observability.flush();
    },
  };
}

/** Prunes finished runs as the settings say (`RUN_RETENTION_*`); undefined when both rules are off. */
function startRetention(config: AppConfig, store: GalaxyStore, logger: Logger): RunRetention | undefined {
  const days = config.RUN_RETENTION_DAYS;
  const perWorkflow = config.RUN_RETENTION_PER_WORKFLOW;
  if (days === 0 && perWorkflow === 0) return undefined;
  return startRunRetention({
    store,
    ...(days > 0 ? { olderThanMs: days * 24 * 60 * 60 * 1000 } : {}),
    ...(perWorkflow > 0 ? { keepPerWorkflow: perWorkflow } : {}),
    intervalMs: config.RUN_RETENTION_INTERVAL_MINUTES * 60 * 1000,
    logger,
  });
}
