import { providerEnvIssues } from '@galaxyflow/engine';
import { z } from 'zod';

const port = z
  .string()
  .trim()
  // Digits only: `Number(' ')` is 0 and `Number('1e3')` is 1000, neither of which anyone meant.
  .regex(/^\d+$/, 'PORT must be a port number, e.g. PORT=3000 (0 picks a free one).')
  .transform(Number)
  .pipe(z.number().max(65535, 'PORT must be between 0 and 65535, e.g. PORT=3000.'));

/** An http(s) address; `localhost:11434` without a scheme parses as a URL too, so the scheme is checked. */
/** A duration in ms, digits only, at least 1 s: anything shorter would cut off honest clients. */
const ms = (name: string, example: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a number of milliseconds, e.g. ${name}=${example}.`)
    .transform(Number)
    .pipe(z.number().min(100, `${name} must be at least 100 (ms), e.g. ${name}=${example}.`));

const url = (name: string, example: string) =>
  z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL, e.g. ${name}=${example}.` }).optional();

const value = (name: string, example: string) =>
  z.string().trim().min(1, `${name} must not be blank, e.g. ${name}=${example}.`).optional();

/** A whole number of at least 0, where 0 switches the setting off. */
const count = (name: string, example: string, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, `${name} must be a whole number (0 turns it off), e.g. ${name}=${example}.`)
    .transform(Number)
    .default(fallback);

/** A size in bytes, digits only (up to 15: past a petabyte is a typo); 0 switches a cap off. */
const bytes = (name: string, example: string, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, `${name} must be a number of bytes, e.g. ${name}=${example}.`)
    .transform(Number)
    .default(fallback);

/** An amount of US dollars, e.g. 2.50; 0 switches a limit off. */
const usd = (name: string, example: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}(\.\d{1,6})?$/, `${name} must be an amount of US dollars (0 turns it off), e.g. ${name}=${example}.`)
    .transform(Number)
    .default(0);

const ROLES = ['all', 'api', 'worker'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * What the app reads from its environment (and from `.env`, see `envFile.ts`): its own
 * settings and every variable the LLM providers read through `createProvidersFromEnv`.
 * Invalid values stop the start with a message naming the variable and what to set it to;
 * `.env.example` documents each one.
 */
export const EnvSchema = z
  .object({
    /** Another file to read settings from instead of `.env` beside the app (read before the rest). */
    ENV_FILE: value('ENV_FILE', '/run/secrets/galaxyflow.env'),
    PORT: port.default(3000),
    HOST: value('HOST', '0.0.0.0').default('127.0.0.1'),
    DATA_DIR: value('DATA_DIR', './data').default('./data'),
    AUTH_TOKENS: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined || raw.trim() === '') return undefined;
        const tokens: Record<string, string> = {};
        for (const pair of raw.split(',')) {
          const [token, userId, extra] = pair.trim().split('=');
          if (!token || !userId || extra !== undefined) {
            ctx.addIssue({
              code: 'custom',
              message: 'AUTH_TOKENS must be token=user pairs separated by commas, e.g. AUTH_TOKENS=3f9c…=alice,8b1d…=bob.',
            });
            return z.NEVER;
          }
          if (token.length < 24) {
            ctx.addIssue({
              code: 'custom',
              message: `AUTH_TOKENS: the token for "${userId}" is too short; use at least 24 random characters (openssl rand -hex 16).`,
            });
            return z.NEVER;
          }
          tokens[token] = userId;
        }
        return tokens;
      }),
    PUBLIC_URL: url('PUBLIC_URL', 'https://flow.example.com'),
    /** Finished runs are deleted this many days after they end; 0 keeps them. */
    RUN_RETENTION_DAYS: count('RUN_RETENTION_DAYS', '30', 30),
    /** Only the newest this many finished runs of each workflow are kept; 0 keeps them all. */
    RUN_RETENTION_PER_WORKFLOW: count('RUN_RETENTION_PER_WORKFLOW', '100', 0),
    /** Minutes between retention passes. */
    RUN_RETENTION_INTERVAL_MINUTES: count('RUN_RETENTION_INTERVAL_MINUTES', '60', 60).pipe(
      z.number().min(1, 'RUN_RETENTION_INTERVAL_MINUTES must be at least 1, e.g. RUN_RETENTION_INTERVAL_MINUTES=60.'),
    ),
    /** Runs one user may keep stored; 0 for no cap. */
    MAX_STORED_RUNS_PER_USER: count('MAX_STORED_RUNS_PER_USER', '1000', 1000),
    /** Workflows one user may keep; 0 for no cap. */
    MAX_WORKFLOWS_PER_USER: count('MAX_WORKFLOWS_PER_USER', '500', 500),
    /** Largest image upload, in bytes; a larger one answers 413 and nothing is stored. */
    MAX_UPLOAD_BYTES: bytes('MAX_UPLOAD_BYTES', '10485760', 10 * 1024 * 1024).pipe(
      z.number().min(1, 'MAX_UPLOAD_BYTES must be at least 1, e.g. MAX_UPLOAD_BYTES=10485760.'),
    ),
    /** Bytes of uploaded files one user may keep; 0 for no cap. */
    FILE_QUOTA_BYTES: bytes('FILE_QUOTA_BYTES', '1073741824', 1024 * 1024 * 1024),
    /** Hours an uploaded file that no workflow or run refers to is kept; a referenced file is never removed. */
    FILE_RETENTION_HOURS: count('FILE_RETENTION_HOURS', '24', 24),
    /**
     * Uploads and generated images in this S3-compatible bucket (AWS S3, Cloudflare R2, MinIO)
     * instead of DATA_DIR/blobs: the choice for API and worker processes on several machines.
     * The bucket must exist. Credentials: S3_ACCESS_KEY_ID + S3_SECRET_ACCESS_KEY, or the AWS
     * SDK's own chain (AWS_* variables, an instance role) when both are unset.
     */
    S3_BUCKET: value('S3_BUCKET', 'galaxy-files'),
    /** The S3 API's address for R2 or MinIO; unset for AWS S3. */
    S3_ENDPOINT: url('S3_ENDPOINT', 'http://minio:9000'),
    S3_REGION: value('S3_REGION', 'us-east-1').default('us-east-1'),
    S3_ACCESS_KEY_ID: value('S3_ACCESS_KEY_ID', '<access key id>'),
    S3_SECRET_ACCESS_KEY: value('S3_SECRET_ACCESS_KEY', '<secret access key>'),
    /** Path-style addressing (`endpoint/bucket/key`), which MinIO needs. */
    S3_FORCE_PATH_STYLE: z
      .enum(['true', 'false'], { error: 'S3_FORCE_PATH_STYLE must be true or false, e.g. S3_FORCE_PATH_STYLE=true.' })
      .default('false')
      .transform((v) => v === 'true'),
    /** Prepended to every object key, e.g. `galaxy/`. */
    S3_PREFIX: z.string().trim().default(''),
    /** The whole request, body included; a slower upload is cut off with 408. */
    REQUEST_TIMEOUT_MS: ms('REQUEST_TIMEOUT_MS', 30000).default(30_000),
    /** The request headers; at most REQUEST_TIMEOUT_MS. */
    HEADERS_TIMEOUT_MS: ms('HEADERS_TIMEOUT_MS', 10000).default(10_000),
    /** Reports every server fault to this Sentry project. */
    SENTRY_DSN: z
      .string()
      .trim()
      // The shape the Sentry SDK accepts; anything else it would ignore with a console line.
      .regex(
        /^https?:\/\/\w+(:\w*)?@[\w.-]+(:\d+)?\/.+$/,
        'SENTRY_DSN must be the DSN of a Sentry project, e.g. SENTRY_DSN=https://<key>@o0.ingest.sentry.io/<project>.',
      )
      .optional(),
    SENTRY_ENVIRONMENT: value('SENTRY_ENVIRONMENT', 'production'),
    /** Exports traces over OTLP/HTTP (JSON) to this collector, at its `/v1/traces`. */
    OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318'),
    /** The `service.name` traces are exported under. Default `galaxyflow`. */
    OTEL_SERVICE_NAME: value('OTEL_SERVICE_NAME', 'galaxyflow'),
    /** Most tokens (input and output) one user's model calls may use a UTC day; 0 for no limit. */
    BUDGET_DAILY_TOKENS: count('BUDGET_DAILY_TOKENS', '200000', 0),
    /** Most tokens one user's model calls may use a calendar month (UTC); 0 for no limit. */
    BUDGET_MONTHLY_TOKENS: count('BUDGET_MONTHLY_TOKENS', '5000000', 0),
    /** Most US dollars one user's model calls may cost a UTC day, at the price table; 0 for no limit. */
    BUDGET_DAILY_COST_USD: usd('BUDGET_DAILY_COST_USD', '1.50'),
    /** Most US dollars one user's model calls may cost a calendar month; 0 for no limit. */
    BUDGET_MONTHLY_COST_USD: usd('BUDGET_MONTHLY_COST_USD', '20'),
    /** A JSON price table ({ asOf, models: { provider: { model: { inputPerMillion, outputPerMillion } } } }) over the shipped one. */
    PRICES_FILE: value('PRICES_FILE', './prices.json'),
    /** Serves Prometheus metrics at /api/metrics to this bearer token. */
    METRICS_TOKEN: z.string().trim().min(24, 'METRICS_TOKEN must be at least 24 random characters (openssl rand -hex 16).').optional(),
    /** Cluster mode: runs, workflows and users in this PostgreSQL database instead of DATA_DIR's SQLite file. */
    DATABASE_URL: z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a postgres:// URL, e.g. DATABASE_URL=postgres://galaxy:secret@db:5432/galaxy.')
      .optional(),
    /** Cluster mode: the run queue (BullMQ), live events, rate limits and circuit breakers on this Redis. */
    REDIS_URL: z
      .string()
      .trim()
      .regex(/^rediss?:\/\/\S+$/, 'REDIS_URL must be a redis:// or rediss:// URL, e.g. REDIS_URL=redis://redis:6379.')
      .optional(),
    /** What this process does in cluster mode: serve the API (and editor), execute runs, or both. */
    ROLE: z.enum(ROLES, { error: `ROLE must be one of ${ROLES.join(', ')}, e.g. ROLE=worker.` }).default('all'),
    /** Runs this process executes at once (workers). */
    WORKER_CONCURRENCY: count('WORKER_CONCURRENCY', '4', 4).pipe(
      z.number().min(1, 'WORKER_CONCURRENCY must be at least 1, e.g. WORKER_CONCURRENCY=4.'),
    ),
    /**
     * How long a worker's hold on a run lasts without renewal: when a worker dies, another takes
     * its runs over this long after it last renewed (they resume; finished nodes are kept).
     */
    RUN_LEASE_MS: ms('RUN_LEASE_MS', 30000).default(30_000),
    /**
     * Takeovers after a worker died that a run survives; one more ends it FAILED
     * (E_RUN_INTERRUPTED), so a run that crashes every worker it lands on stops doing so.
     */
    RUN_MAX_INTERRUPTIONS: count('RUN_MAX_INTERRUPTIONS', '2', 2),
    /** Runs one user may have executing at once, across every worker. */
    MAX_RUNS_PER_USER: count('MAX_RUNS_PER_USER', '2', 2).pipe(
      z.number().min(1, 'MAX_RUNS_PER_USER must be at least 1, e.g. MAX_RUNS_PER_USER=2.'),
    ),
    LOG_LEVEL: z
      .enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, e.g. LOG_LEVEL=info.` })
      .default('info'),
    GEMINI_API_KEY: value('GEMINI_API_KEY', '<key from https://aistudio.google.com/apikey>'),
    GEMINI_BASE_URL: url('GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com'),
    GROQ_API_KEY: value('GROQ_API_KEY', '<key from https://console.groq.com/keys>'),
    GROQ_BASE_URL: url('GROQ_BASE_URL', 'https://api.groq.com'),
    OPENAI_COMPATIBLE_BASE_URL: url('OPENAI_COMPATIBLE_BASE_URL', 'http://127.0.0.1:11434/v1'),
    OPENAI_COMPATIBLE_API_KEY: value('OPENAI_COMPATIBLE_API_KEY', '<the server’s key>'),
    OPENAI_COMPATIBLE_MODEL: value('OPENAI_COMPATIBLE_MODEL', 'llama3.2'),
    OPENAI_COMPATIBLE_VISION_MODEL: value('OPENAI_COMPATIBLE_VISION_MODEL', 'llama3.2-vision'),
    LLM_FALLBACK: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS) {
      // Node refuses to start a server configured this way.
      ctx.addIssue({
        code: 'custom',
        path: ['HEADERS_TIMEOUT_MS'],
        message: `HEADERS_TIMEOUT_MS (${env.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${env.REQUEST_TIMEOUT_MS}): the headers are part of the request.`,
      });
    }
    // Half a cluster would split the work between two places that cannot see each other.
    if ((env.DATABASE_URL === undefined) !== (env.REDIS_URL === undefined)) {
      const missing = env.DATABASE_URL === undefined ? 'DATABASE_URL' : 'REDIS_URL';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `Cluster mode needs both DATABASE_URL and REDIS_URL; ${missing} is not set. Set it, or unset the other to run on the embedded defaults.`,
      });
    } else if (env.DATABASE_URL === undefined && env.ROLE !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['ROLE'],
        message: `ROLE=${env.ROLE} splits the API and the workers into processes, which needs cluster mode: set DATABASE_URL and REDIS_URL, or unset ROLE.`,
      });
    }
    // S3 settings without a bucket, or half a key pair, would be ignored in silence.
    if (env.S3_BUCKET === undefined) {
      for (const name of ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
        if (env[name] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} is set but S3_BUCKET is not: set S3_BUCKET to keep files in that bucket, or unset ${name} to keep them under DATA_DIR/blobs.`,
          });
        }
      }
    } else if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
      const missing = env.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `S3 credentials come in pairs; ${missing} is not set. Set both, or neither to use the AWS SDK's own credentials.`,
      });
    }
    // Provider settings that would be ignored in silence: the engine's own check reads only
    // the provider variables, which are all strings.
    const strings: Record<string, string> = {};
    for (const [name, value] of Object.entries(env)) if (typeof value === 'string') strings[name] = value;
    for (const issue of providerEnvIssues(strings)) {
      ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
    }
  });

export type AppConfig = z.output<typeof EnvSchema>;

/** Thrown when the environment is invalid; its message lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into the app's settings, or throws a `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // Empty strings mean "unset", as they do in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || 'environment'}: ${issue.message}`);
  throw new ConfigError(`The app cannot start; fix these settings (see .env.example):\n${lines.join('\n')}`);
}

/** True when the app runs on PostgreSQL + Redis + BullMQ instead of the embedded defaults. */
export function isClusterMode(config: AppConfig): config is AppConfig & { DATABASE_URL: string; REDIS_URL: string } {
  return config.DATABASE_URL !== undefined && config.REDIS_URL !== undefined;
}
