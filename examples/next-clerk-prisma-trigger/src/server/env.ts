import { z } from 'zod';
import { TEST_AUTH_VARIABLE, testAuthEnabled } from '../auth/testAuthMode';
import { checkProviderEnv, missingProviderWarning, providerEnvShape } from './providerEnv';

const databaseUrl = z
  .string({
    error:
      'DATABASE_URL is not set: use postgres://… in production or file:./data/galaxy.db locally.',
  })
  .refine((url) => /^(postgres(ql)?:\/\/|file:)/.test(url), {
    error: 'DATABASE_URL must start with postgres://, postgresql:// or file:.',
  });

/**
 * Several instances (serverless functions, Trigger.dev workers): live run events, request limits
 * and the providers' circuit breakers on this Redis, shared by all of them. Unset: each process
 * keeps its own, and event streams read the store every second.
 */
const redisUrl = z
  .string()
  .trim()
  .regex(
    /^rediss?:\/\/\S+$/,
    'REDIS_URL must be a redis:// or rediss:// URL, e.g. REDIS_URL=redis://localhost:6379 (or unset it to run one instance without Redis).',
  )
  .optional();

/** Error reporting: every server fault (5xx, a run ended by an internal fault) goes to this Sentry project. */
const sentryShape = {
  SENTRY_DSN: z
    .string()
    .trim()
    // The shape the Sentry SDK accepts; anything else it would ignore with a console line.
    .regex(
      /^https?:\/\/\w+(:\w*)?@[\w.-]+(:\d+)?\/.+$/,
      'SENTRY_DSN must be the DSN of a Sentry project, e.g. SENTRY_DSN=https://<key>@o0.ingest.sentry.io/<project>.',
    )
    .optional(),
  /** The environment events are filed under. Default: Sentry's (`production`). */
  SENTRY_ENVIRONMENT: z.string().trim().min(1).optional(),
};

const serverEnvShape = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  ...sentryShape,
  /** Per-user cap on runs executing at once, enforced by the Trigger.dev queue's concurrency. */
  GALAXY_MAX_RUNNING_PER_USER: z.coerce.number().int().positive().default(2),
  /**
   * Whether the last `X-Forwarded-For` entry is the caller's address (for the failed sign-in
   * limit). Only true behind a proxy that appends it (Vercel, Cloudflare, nginx or a load
   * balancer with `proxy_add_x_forwarded_for`); otherwise any client picks its own address.
   * Default false.
   */
  GALAXY_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'], {
      error:
        'GALAXY_TRUST_PROXY must be true or false: true only behind a proxy that appends X-Forwarded-For (Vercel, Cloudflare, nginx).',
    })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
};

const serverEnvSchema = z.object(serverEnvShape);

export type ServerEnv = z.infer<typeof serverEnvSchema>;

/** A Clerk key of one kind (`pk` or `sk`), for a development or a production instance. */
const clerkKey = (name: string, prefix: 'pk' | 'sk') =>
  z
    .string({ error: `${name} is not set: copy it from the Clerk dashboard (API keys).` })
    .trim()
    .regex(
      new RegExp(`^${prefix}_(test|live)_\\S+$`),
      `${name} must be a Clerk ${prefix === 'pk' ? 'publishable' : 'secret'} key (${prefix}_test_… or ${prefix}_live_…).`,
    );

const QUEUES = ['trigger', 'embedded'] as const;

const appEnvSchema = z
  .object({
    ...serverEnvShape,
    ...providerEnvShape,
    NODE_ENV: z.string().optional(),
    /**
     * Where runs execute: `trigger` (default) hands them to the Trigger.dev task; `embedded`
     * executes them in this process, for a single server or local work without Trigger.dev.
     */
    GALAXY_QUEUE: z
      .enum(QUEUES, {
        error: `GALAXY_QUEUE must be ${QUEUES.join(' or ')}, e.g. GALAXY_QUEUE=trigger.`,
      })
      .default('trigger'),
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: z.string().optional(),
    CLERK_SECRET_KEY: z.string().optional(),
    TRIGGER_SECRET_KEY: z.string().optional(),
    TRIGGER_API_URL: z
      .url({
        protocol: /^https?$/,
        error:
          'TRIGGER_API_URL must be an http(s) URL, e.g. TRIGGER_API_URL=https://trigger.example.com.',
      })
      .optional(),
    [TEST_AUTH_VARIABLE]: z.string().optional(),
  })
  .superRefine((env, ctx) => checkProviderEnv(env, ctx));

type RawEnv = Readonly<Record<string, string | undefined>>;

/**
 * The checks across variables. They run on the raw strings even when a single variable is
 * wrong (an object's own refinements would be skipped then), so one message names every problem.
 */
function crossChecks(env: RawEnv): string[] {
  const problems: string[] = [];
  const testAuth = testAuthEnabled(env);
  if (env[TEST_AUTH_VARIABLE] !== undefined && !testAuth) {
    problems.push(
      `${TEST_AUTH_VARIABLE} lets anyone sign in as anyone and works only with NODE_ENV=test and ${TEST_AUTH_VARIABLE}=1; remove it.`,
    );
  }
  if (!testAuth) {
    for (const [name, prefix] of [
      ['NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', 'pk'],
      ['CLERK_SECRET_KEY', 'sk'],
    ] as const) {
      const parsed = clerkKey(name, prefix).safeParse(env[name]);
      if (!parsed.success) problems.push(parsed.error.issues[0]?.message ?? `${name} is invalid.`);
    }
    const instance = (key: string | undefined) => key?.match(/^[ps]k_(test|live)_/)?.[1];
    const publishable = instance(env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY);
    const secret = instance(env.CLERK_SECRET_KEY);
    if (publishable && secret && publishable !== secret) {
      problems.push(
        `CLERK_SECRET_KEY is a ${secret} key but NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY is a ${publishable} key: take both from the same Clerk instance.`,
      );
    }
  }
  const queue = env.GALAXY_QUEUE ?? 'trigger';
  if (queue === 'trigger' && !/^tr_\w+_\S+$/.test(env.TRIGGER_SECRET_KEY ?? '')) {
    problems.push(
      env.TRIGGER_SECRET_KEY === undefined
        ? 'TRIGGER_SECRET_KEY is not set: runs go to Trigger.dev (GALAXY_QUEUE=trigger); copy the secret key (tr_dev_… or tr_prod_…) from the Trigger.dev dashboard, or set GALAXY_QUEUE=embedded.'
        : 'TRIGGER_SECRET_KEY must be a Trigger.dev secret key (tr_dev_…, tr_prod_…).',
    );
  }
  return problems;
}

const workerEnvSchema = z
  .object({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ...sentryShape, ...providerEnvShape })
  .superRefine((env, ctx) => checkProviderEnv(env, ctx));

/** What the Next.js app runs on, and what it should say at start-up without refusing to start. */
export type AppEnv = z.infer<typeof appEnvSchema> & { warnings: string[] };
export type WorkerEnv = z.infer<typeof workerEnvSchema> & { warnings: string[] };

function parse<T extends z.ZodType>(
  schema: T,
  env: RawEnv,
  checks: (env: RawEnv) => string[] = () => [],
): z.infer<T> {
  // Empty strings mean "unset", as they do in most .env files.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  const messages = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)),
    ...checks(cleaned),
  ];
  if (!parsed.success || messages.length > 0) {
    const problems = messages.map((message) => `- ${message}`).join('\n');
    throw new Error(
      `Galaxy Flow cannot start; fix the environment (see .env.example):\n${problems}`,
    );
  }
  return parsed.data as z.infer<T>;
}

/** The variables the app and the worker share (Clerk, Trigger.dev and providers are checked by `readAppEnv`). */
export function readServerEnv(env: RawEnv = process.env): ServerEnv {
  return parse(serverEnvSchema, env);
}

/**
 * Every variable the Next.js app reads, checked at start-up: Clerk's keys, the queue and its
 * Trigger.dev key, and the LLM providers when runs execute in this process.
 */
export function readAppEnv(env: RawEnv = process.env): AppEnv {
  const data = parse(appEnvSchema, env, crossChecks);
  const warnings: string[] = [];
  // With Trigger.dev the providers are the worker's settings, not the app's.
  const noProvider = data.GALAXY_QUEUE === 'embedded' ? missingProviderWarning(data) : null;
  if (noProvider) warnings.push(noProvider);
  if (testAuthEnabled(data)) {
    warnings.push(
      `${TEST_AUTH_VARIABLE}=1: Clerk is off and any request may name its user. Never set it outside tests.`,
    );
  }
  return { ...data, warnings };
}

/** What the Trigger.dev worker reads: the database, Redis when set, and the LLM providers. */
export function readWorkerEnv(env: RawEnv = process.env): WorkerEnv {
  const data = parse(workerEnvSchema, env);
  const noProvider = missingProviderWarning(data);
  return { ...data, warnings: noProvider ? [noProvider] : [] };
}
