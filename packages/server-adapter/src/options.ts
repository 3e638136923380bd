import {
  builtinNodes,
  createRegistry,
  defaultLimits,
  defaultPriceTable,
  type NodeRegistry,
  type PriceTable,
  type ProviderSet,
  type WorkflowLimits,
} from '@galaxyflow/engine';
import { type Logger, pino } from 'pino';
import type { AuthAdapter } from './auth';
import { type BudgetGuard, type BudgetOptions, budgetGuardOf } from './budget';
import type { BlobStore } from './blobs/types';
import { hostError } from './errors';
import type { EventBus } from './events';
import type { ErrorHook, GalaxyMetrics, ServerMetrics } from './observe';
import type { RunQueue } from './queue';
import {
  type AuthFailureLimiter,
  createMemoryAuthFailureLimiter,
  createMemoryRateLimiter,
  type RateLimiter,
} from './rateLimit';
import { createSchemas, type GalaxySchemas } from './schemas';
import { type ResolvedStreamOptions, resolveStreamOptions, type StreamOptions } from './sse';
import type { GalaxyStore, RetentionPolicy } from './store/types';

export interface GalaxyLimits {
  /** Largest request body, in bytes. Default 1 MiB (1,048,576). */
  maxBodyBytes?: number;
  /** Deepest nesting of a JSON body. Default 64. */
  maxJsonDepth?: number;
  /** Largest `limit` of a list request. Default 100. */
  maxPageSize?: number;
  /** Nodes, edges and bytes per workflow. Default the engine's `defaultLimits`. */
  workflow?: Partial<WorkflowLimits>;
  /** How long an `Idempotency-Key` on `POST /execute` is remembered, in ms. Default 24 h. */
  idempotencyTtlMs?: number;
  /**
   * Node results and log lines per page of a run, when the request sets no `limit`: what
   * `GET /runs/:id` carries of each, and a page of `GET /runs/:id/nodes` and `/logs`. Default 100.
   */
  runPageSize?: number;
  /** The largest `limit` of those pages. Default 1,000. */
  maxRunPageSize?: number;
  /**
   * Runs a user may keep stored, finished or not: at the cap `POST /execute` answers 409
   * `E_STORAGE_QUOTA_EXCEEDED` and records nothing, until the user deletes runs or retention
   * (`startRunRetention`) removes some. Default: no cap.
   */
  maxStoredRunsPerUser?: number;
  /**
   * Workflows a user may keep: at the cap `POST /workflows` answers 409
   * `E_STORAGE_QUOTA_EXCEEDED` and saves nothing. Default: no cap.
   */
  maxWorkflowsPerUser?: number;
}

/** How `/files` takes uploads. */
export interface FileOptions {
  /** Largest upload, in bytes: larger ones answer 413 and nothing is stored. Default 10 MiB (10,485,760). */
  maxBytes?: number;
  /**
   * Bytes of files one user may keep: an upload past it answers 409 `E_STORAGE_QUOTA_EXCEEDED`
   * and nothing is stored. Default: no cap.
   */
  maxBytesPerUser?: number;
  /** Largest image accepted, in pixels (width times height): a guard against decompression bombs. Default 40,000,000. */
  maxPixels?: number;
  /**
   * Keeps JPEG EXIF metadata (GPS position, camera, time) as uploaded. By default it is
   * stripped, keeping only the orientation so the picture still shows upright. Default false.
   */
  keepExif?: boolean;
}

/** Options of `createGalaxyRouter` and `createGalaxyFetchHandler`. */
export interface GalaxyOptions {
  /** Who is calling. Required: there is no anonymous mode. */
  auth: AuthAdapter;
  /** Where workflows and runs live. Required; `createSqliteStore({ path })` from `@galaxyflow/server-adapter/sqlite` is the
   * embedded one, `createPostgresStore` from `/postgres` the one for several instances. */
  store: GalaxyStore;
  /** Where `POST /execute` hands runs. Required. */
  queue: RunQueue;
  /** Node types workflows may use. Default `createRegistry(builtinNodes)`. */
  registry?: NodeRegistry;
  /**
   * The model providers the workers run with (the set passed in `llmContext({ providers })`),
   * described by `GET /providers` so editors offer those and no others. Default none: the route
   * answers an empty list.
   */
  providers?: ProviderSet;
  /** Per-user request limits, or `false` to leave them to the host. Default `createMemoryRateLimiter()` (100/min/user). */
  rateLimit?: RateLimiter | false;
  /**
   * Limits on the routes anyone may call without credentials (`/health`, `/ready`,
   * `/openapi.json`), per client address (see `trustProxy`); requests whose address is
   * unknown are not counted. `false` leaves them to the host. Default
   * `createMemoryRateLimiter({ default: { limit: 60, windowMs: 60_000 } })` (60/min/address).
   */
  publicRateLimit?: RateLimiter | false;
  /**
   * Throttles failed authentication per client address: past the allowance, requests whose
   * credentials fail get 429 with `Retry-After` instead of 401, so a client stuck on a bad or
   * expired token backs off. Requests that authenticate are never refused by it (one address
   * may be a proxy or an office NAT shared by everyone); guessing is defeated by the tokens'
   * entropy, not by this. `false` leaves it to the host. Needs the client's address: the
   * Express binding has it from the connection. Default `createMemoryAuthFailureLimiter()`
   * (20 failures a minute per address).
   */
  authFailureLimit?: AuthFailureLimiter | false;
  /**
   * Takes the client address from the last entry of `X-Forwarded-For` (the one your proxy
   * appended) instead of the connection. Turn it on only behind a proxy that sets the
   * header, or any client can pick its own address. Default false.
   */
  trustProxy?: boolean;
  /** Size limits. Defaults per field. */
  limits?: GalaxyLimits;
  /**
   * Where file bytes live: `createDiskBlobStore({ dir })`, or `createS3BlobStore` from
   * `@galaxyflow/server-adapter/s3`. With it, and a store that keeps files (`store.files`),
   * the router serves `/files`; a store whose signed URLs the router serves (the disk one)
   * also gets `GET /blobs/:key`. Default none (no file routes).
   */
  blobs?: BlobStore;
  /** How `/files` takes uploads. Defaults per field. */
  files?: FileOptions;
  /** Structured logger; one line per request carries its request id. Default `pino()`. */
  logger?: Logger;
  /**
   * Carries run events from workers to `GET /runs/:id/events`. Default: the queue's `events`
   * (the in-process queue has one). Streams also read the store every `streams.pollMs`, for
   * events a worker in another process published to its own bus.
   */
  events?: EventBus;
  /** Server-Sent Events settings. Defaults per field. */
  streams?: StreamOptions;
  /**
   * The retention policy the host's pruning pass applies (`startRunRetention`), so that a
   * refusal at `limits.maxStoredRunsPerUser` can tell the user when old runs go. The router
   * prunes nothing itself. Default: none (the refusal says only to delete runs).
   */
  retention?: RetentionPolicy;
  /**
   * Hears of every fault on the server's side (each 5xx answer, with the error behind it),
   * for an error tracker; never of a caller's mistake. Default none (faults are logged).
   */
  onError?: ErrorHook;
  /**
   * Where request measurements go: `createPrometheusMetrics()` from
   * `@galaxyflow/server-adapter/metrics`, or your own `ServerMetrics`. Default none.
   */
  metrics?: ServerMetrics | GalaxyMetrics;
  /**
   * Serves `GET /metrics` (the `metrics` exposition) to requests bearing this token, never to
   * anyone else; at least 16 characters. Without it there is no `/metrics` route: serve
   * `metrics.render()` on a private port of your own instead. Default none.
   */
  metricsToken?: string;
  /**
   * The price table the workers use (their `prices`): `GET /usage` names its date. Default the
   * engine's `defaultPriceTable`.
   */
  prices?: PriceTable;
  /**
   * The budgets the workers keep (their `budgets`, or the same `createBudgetGuard`): `GET
   * /usage` tells each user where they stand against their limits. Default none.
   */
  budgets?: BudgetOptions | BudgetGuard;
}

/** `GalaxyOptions` with every default filled in: what the core and the routes read. */
export interface ResolvedOptions {
  auth: AuthAdapter;
  store: GalaxyStore;
  queue: RunQueue;
  registry: NodeRegistry;
  providers: ProviderSet | undefined;
  rateLimit: RateLimiter | false;
  publicRateLimit: RateLimiter | false;
  authFailureLimit: AuthFailureLimiter | false;
  trustProxy: boolean;
  logger: Logger;
  limits: Required<Omit<GalaxyLimits, 'workflow'>> & { workflow: WorkflowLimits };
  schemas: GalaxySchemas;
  blobs: BlobStore | undefined;
  files: Required<Omit<FileOptions, 'maxBytesPerUser'>> & { maxBytesPerUser: number };
  events: EventBus | undefined;
  streams: ResolvedStreamOptions;
  retention: RetentionPolicy | undefined;
  onError: ErrorHook | undefined;
  metrics: ServerMetrics | undefined;
  /** How `GET /metrics` answers, when the host asked for it. */
  metricsEndpoint: { token: string; render: NonNullable<GalaxyMetrics['render']> } | undefined;
  prices: PriceTable;
  budget: BudgetGuard | undefined;
}

const MIN_METRICS_TOKEN_LENGTH = 16;

function metricsEndpointOf(options: GalaxyOptions): ResolvedOptions['metricsEndpoint'] {
  const { metricsToken: token, metrics } = options;
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw hostError(
      'E_INVALID_OPTION',
      `Galaxy Flow API: \`metricsToken\` must be a string of at least ${MIN_METRICS_TOKEN_LENGTH} characters.`,
      { options: ['metricsToken'] },
    );
  }
  const render = metrics && 'render' in metrics ? metrics.render : undefined;
  if (!render) {
    throw hostError(
      'E_INVALID_OPTION',
      'Galaxy Flow API: `metricsToken` serves `GET /metrics`, which needs `metrics` that can render, e.g. `createPrometheusMetrics()`.',
      { options: ['metricsToken', 'metrics'] },
    );
  }
  return { token, render: render.bind(metrics) };
}

const REQUIRED = ['auth', 'store', 'queue'] as const;

export function resolveOptions(options: GalaxyOptions): ResolvedOptions {
  const missing = REQUIRED.filter((name) => !options[name]);
  if (missing.length > 0) {
    throw hostError(
      'E_INVALID_OPTION',
      `Galaxy Flow API: \`auth\`, \`store\` and \`queue\` are required; pass ${missing.map((name) => `\`${name}\``).join(', ')}.${missing.includes('store') ? ' The embedded store is `createSqliteStore({ path })` from `@galaxyflow/server-adapter/sqlite` (install better-sqlite3).' : ''}`,
      { options: missing },
    );
  }
  const workflow = { ...defaultLimits, ...options.limits?.workflow };
  const maxPageSize = options.limits?.maxPageSize ?? 100;
  const maxRunPageSize = countOption('maxRunPageSize', options.limits?.maxRunPageSize, 1000);
  const runPageSize = countOption('runPageSize', options.limits?.runPageSize, 100);
  if (runPageSize > maxRunPageSize) {
    throw hostError(
      'E_INVALID_OPTION',
      `Galaxy Flow API: \`limits.runPageSize\` (${runPageSize}) must not exceed \`limits.maxRunPageSize\` (${maxRunPageSize}).`,
      { options: ['limits.runPageSize'] },
    );
  }
  return {
    auth: options.auth,
    store: options.store,
    queue: options.queue,
    registry: options.registry ?? createRegistry(builtinNodes),
    providers: options.providers,
    rateLimit: options.rateLimit ?? createMemoryRateLimiter(),
    publicRateLimit:
      options.publicRateLimit ??
      createMemoryRateLimiter({ default: { limit: 60, windowMs: 60_000 } }),
    authFailureLimit: options.authFailureLimit ?? createMemoryAuthFailureLimiter(),
    trustProxy: options.trustProxy ?? false,
    logger: options.logger ?? pino({ name: 'galaxyflow' }),
    limits: {
      maxBodyBytes: options.limits?.maxBodyBytes ?? 1024 * 1024,
      maxJsonDepth: options.limits?.maxJsonDepth ?? 64,
      maxPageSize,
      idempotencyTtlMs: options.limits?.idempotencyTtlMs ?? 24 * 60 * 60 * 1000,
      runPageSize,
      maxRunPageSize,
      maxStoredRunsPerUser: countOption(
        'maxStoredRunsPerUser',
        options.limits?.maxStoredRunsPerUser,
        Number.POSITIVE_INFINITY,
      ),
      maxWorkflowsPerUser: countOption(
        'maxWorkflowsPerUser',
        options.limits?.maxWorkflowsPerUser,
        Number.POSITIVE_INFINITY,
      ),
      workflow,
    },
    schemas: createSchemas({ workflow, maxPageSize, runPageSize, maxRunPageSize }),
    blobs: options.blobs,
    files: {
      maxBytes: countOption('files.maxBytes', options.files?.maxBytes, 10 * 1024 * 1024, ''),
      maxBytesPerUser: countOption(
        'files.maxBytesPerUser',
        options.files?.maxBytesPerUser,
        Number.POSITIVE_INFINITY,
        '',
      ),
      maxPixels: countOption('files.maxPixels', options.files?.maxPixels, 40_000_000, ''),
      keepExif: options.files?.keepExif ?? false,
    },
    events: options.events ?? options.queue.events,
    streams: resolveStreamOptions(options.streams),
    retention: options.retention,
    onError: options.onError,
    metrics: options.metrics,
    metricsEndpoint: metricsEndpointOf(options),
    prices: options.prices ?? defaultPriceTable,
    budget: budgetGuardOf(options.store, options.budgets),
  };
}

/** A count limit: a whole number of at least 1, or the default when unset. */
function countOption(
  name: string,
  value: number | undefined,
  fallback: number,
  prefix = 'limits.',
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw hostError(
      'E_INVALID_OPTION',
      `Galaxy Flow API: \`${prefix}${name}\` must be a whole number of at least 1; got ${String(value)}.`,
      { options: [`${prefix}${name}`] },
    );
  }
  return value;
}
