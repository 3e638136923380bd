import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtinNodes,
  createProvidersFromEnv,
  createRegistry,
  type FileLoader,
  type FileSaver,
  getProviderSet,
  llmContext,
  type NodeRegistry,
  type RunContext,
} from '@galaxyflow/engine';
import { createHttpRequester, createImageFetcher, type HttpRequesterOptions } from '@galaxyflow/engine/node';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import {
  type BlobStore,
  createFileLoader,
  createFileSaver,
  createGalaxyRouter,
  type FileRetention,
  type GalaxyLimits,
  type GalaxyStore,
  type RunRetention,
  startFileRetention,
  startRunRetention,
  tokenAuth,
} from '@galaxyflow/server-adapter';
import express, { type Express } from 'express';
import pino, { type Logger } from 'pino';
import { openShared, type Runner } from './backend';
import { openBlobStore } from './blobs';
import type { AppConfig } from './config';
import { prepareDataDir } from './dataDir';
import { ledgerSettingsOf } from './ledger';
import { startObservability } from './observability';
import { plainErrors } from './plainErrors';
import { secretsFromEnv } from './secrets';
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
  /**
   * The HTTP Request node's guarded client. Tests exempt their loopback server here
   * (`allowAddresses: ['127.0.0.1']`); the app itself never does. Default: the SSRF policy as is.
   */
  httpRequester?: HttpRequesterOptions;
}

/**
 * The whole reference app: API and editor page on the embedded defaults, or in cluster mode
 * (DATABASE_URL and REDIS_URL) the API, a worker or both as `ROLE` says.
 */
export async function createApp(config: AppConfig, options: AppOptions): Promise<App> {
  // First, so a secret without its hosts stops the start before anything opens.
  const secrets = secretsFromEnv(options.env);
  const dataDir = prepareDataDir(config.DATA_DIR);
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL });
  const { tokens, generated } = resolveTokens(dataDir, config.AUTH_TOKENS);

  const registry = options.registry ?? createRegistry(builtinNodes);
  // First, so a bucket that cannot be used stops start-up before anything else is open.
  const blobStore = await openBlobStore(config, dataDir);
  const { blobs } = blobStore;
  const shared = await openShared(config, dataDir, logger).catch((error: unknown) => {
    blobStore.close();
    throw error;
  });
  const { store } = shared;
  const providers = createProvidersFromEnv(
    options.env,
    [geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv],
    shared.circuitSync ? { circuitSync: shared.circuitSync } : {},
  );
  // What `GET /providers` describes is what the workers run with, injected context included.
  const runProviders = options.context ? getProviderSet(options.context) : providers;
  const observability = await startObservability(
    config,
    logger,
    store.countQueuedRuns ? () => store.countQueuedRuns!() : undefined,
  );
  const { onError, metrics } = observability;
  const fileAccess = store.files
    ? {
        loadFile: createFileLoader({ files: store.files, blobs }),
        // Generated images are checked and counted against the owner's quota as uploads are.
        saveFile: createFileSaver({
          files: store.files,
          blobs,
          maxBytes: config.MAX_UPLOAD_BYTES,
          ...(config.FILE_QUOTA_BYTES > 0 ? { maxBytesPerUser: config.FILE_QUOTA_BYTES } : {}),
        }),
      }
    : undefined;
  // HTTP Request nodes call out through the SSRF guard, with credentials named by workflows
  // and held here (GALAXY_SECRET_<NAME>, bound to GALAXY_SECRET_HOSTS_<NAME>); an injected
  // context may bring its own of either.
  const http = {
    httpRequest: createHttpRequester(options.httpRequester),
    secrets,
  };
  const ledger = ledgerSettingsOf(config);
  const runner: Runner = shared.runner({
    registry,
    context: withFileAccess(
      { ...http, ...(options.context ?? llmContext({ providers, fetchImage: createImageFetcher() })) },
      fileAccess,
    ),
    logger,
    onError,
    metrics,
    prices: ledger.prices,
    budgets: ledger.budgets,
  });

  const retention = startRetention(config, store, logger);
  const fileRetention = startUploadRetention(config, store, blobs, logger);
  const limits: GalaxyLimits = {
    ...(config.MAX_STORED_RUNS_PER_USER > 0
      ? { maxStoredRunsPerUser: config.MAX_STORED_RUNS_PER_USER }
      : {}),
    ...(config.MAX_WORKFLOWS_PER_USER > 0
      ? { maxWorkflowsPerUser: config.MAX_WORKFLOWS_PER_USER }
      : {}),
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
  if (runner.queue) {
    app.use(
      '/api',
      createGalaxyRouter({
        auth: tokenAuth({ tokens }),
        store,
        queue: runner.queue,
        registry,
        logger,
        limits,
        blobs,
        files: {
          maxBytes: config.MAX_UPLOAD_BYTES,
          ...(config.FILE_QUOTA_BYTES > 0 ? { maxBytesPerUser: config.FILE_QUOTA_BYTES } : {}),
        },
        ...(runner.events ? { events: runner.events } : {}),
        ...(shared.limits ?? {}),
        ...(runProviders ? { providers: runProviders } : {}),
        ...(retention ? { retention: retention.policy } : {}),
        ...(onError ? { onError } : {}),
        ...(metrics && config.METRICS_TOKEN ? { metrics, metricsToken: config.METRICS_TOKEN } : {}),
        prices: ledger.prices,
        ...(ledger.budgets ? { budgets: ledger.budgets } : {}),
      }),
    );
  } else {
    // A worker-only process serves no API: liveness and readiness for the orchestrator.
    app.use('/api', workerHealth(store, runner, logger));
  }

  if (runner.queue) serveEditor(app, options.clientDir ?? CLIENT_DIR);
  app.use(plainErrors(logger));

  await runner.worker?.start();
  let closed = false;
  return {
    app,
    generatedToken: generated,
    async close(deadlineMs = 10_000) {
      if (closed) return;
      closed = true;
      await retention?.stop();
      await fileRetention?.stop();
      await runner.close(deadlineMs);
      await shared.close();
      blobStore.close();
      await observability.close();
    },
  };
}

/** Prunes finished runs as the settings say (`RUN_RETENTION_*`); undefined when both rules are off. */
function startRetention(
  config: AppConfig,
  store: GalaxyStore,
  logger: Logger,
): RunRetention | undefined {
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

/**
 * Vision nodes read uploads through the store, never a URL, and image generation stores its
 * pictures there; a test's own loader or saver wins.
 */
function withFileAccess(
  context: RunContext,
  access: { loadFile: FileLoader; saveFile: FileSaver } | undefined,
): RunContext {
  if (!access) return context;
  return {
    ...context,
    ...(context.loadFile === undefined ? { loadFile: access.loadFile } : {}),
    ...(context.saveFile === undefined ? { saveFile: access.saveFile } : {}),
  };
}

/**
 * Removes uploads nothing refers to after `FILE_RETENTION_HOURS` (0 keeps them). Runs where
 * the API runs: a worker-only process serves no uploads.
 */
function startUploadRetention(
  config: AppConfig,
  store: GalaxyStore,
  blobs: BlobStore,
  logger: Logger,
): FileRetention | undefined {
  if (!store.files || config.FILE_RETENTION_HOURS === 0 || config.ROLE === 'worker')
    return undefined;
  return startFileRetention({
    files: store.files,
    blobs,
    olderThanMs: config.FILE_RETENTION_HOURS * 60 * 60 * 1000,
    logger,
  });
}

function serveEditor(app: Express, clientDir: string): void {
  if (existsSync(join(clientDir, 'index.html'))) {
    app.use(
      '/assets',
      express.static(join(clientDir, 'assets'), {
        immutable: true,
        maxAge: '1y',
        fallthrough: false,
      }),
    );
    app.use(express.static(clientDir, { index: false }));
    app.get('/{*path}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(clientDir, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res
        .status(503)
        .type('text')
        .send(
          'The editor page is not built yet: run `pnpm --filter @galaxyflow/example-basic build`.',
        );
    });
  }
}

/** `/health` (alive) and `/ready` (the database takes a write and the worker takes work) for a worker-only process. */
function workerHealth(store: GalaxyStore, runner: Runner, logger: Logger): express.Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    try {
      await store.checkWritable();
      await runner.worker?.checkReady();
      res.json({ status: 'ok' });
    } catch (error) {
      logger.error({ err: error }, 'readiness check failed');
      res
        .status(503)
        .setHeader('Retry-After', '5')
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'about:blank',
            title: 'Service Unavailable',
            status: 503,
            code: 'E_UNAVAILABLE',
            detail: 'This worker cannot take work now.',
          }),
        );
    }
  });
  return router;
}
