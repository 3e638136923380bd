import { readFileSync } from 'node:fs';
import { providerCatalog } from '@galaxyflow/engine';
import { geminiFromEnv } from '@galaxyflow/engine/providers/gemini';
import { groqFromEnv } from '@galaxyflow/engine/providers/groq';
import { openaiCompatibleFromEnv } from '@galaxyflow/engine/providers/openai-compatible';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, isClusterMode, loadConfig } from './config';

/** The start-up message for an environment, or undefined when it is valid. */
function startupError(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
}

const TOKEN = 'a'.repeat(32);

describe('start-up settings', () => {
  it('starts with no settings at all, on the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATA_DIR: './data', LOG_LEVEL: 'info' });
  });

  it('treats empty values as unset, as .env files write them', () => {
    expect(loadConfig({ PORT: '', GEMINI_API_KEY: '', LLM_FALLBACK: '' })).toMatchObject({ PORT: 3000 });
  });

  it.each([
    ['abc', 'PORT: PORT must be a port number, e.g. PORT=3000'],
    ['3000.5', 'PORT: PORT must be a port number'],
    ['-1', 'PORT: PORT must be a port number'],
    ['1e3', 'PORT: PORT must be a port number'],
    ['70000', 'PORT: PORT must be between 0 and 65535'],
  ])('refuses PORT=%s and says what to set', (port, message) => {
    const error = startupError({ PORT: port });
    expect(error).toContain('The app cannot start; fix these settings (see .env.example):');
    expect(error).toContain(message);
  });

  it('accepts PORT=0 (a free port, as the tests use)', () => {
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
  });

  it('reads the request and header time limits, 30 s and 10 s by default', () => {
    expect(loadConfig({})).toMatchObject({ REQUEST_TIMEOUT_MS: 30_000, HEADERS_TIMEOUT_MS: 10_000 });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '2000' })).toMatchObject({ REQUEST_TIMEOUT_MS: 5000, HEADERS_TIMEOUT_MS: 2000 });
    expect(startupError({ REQUEST_TIMEOUT_MS: '30s' })).toContain('REQUEST_TIMEOUT_MS must be a number of milliseconds, e.g. REQUEST_TIMEOUT_MS=30000.');
    expect(startupError({ HEADERS_TIMEOUT_MS: '5' })).toContain('HEADERS_TIMEOUT_MS must be at least 100');
    expect(startupError({ REQUEST_TIMEOUT_MS: '5000' })).toContain('HEADERS_TIMEOUT_MS (10000) must not exceed REQUEST_TIMEOUT_MS (5000)');
  });

  it('reads the upload cap, quota and retention, and says what to set when one is wrong', () => {
    expect(loadConfig({})).toMatchObject({ MAX_UPLOAD_BYTES: 10_485_760, FILE_QUOTA_BYTES: 1_073_741_824, FILE_RETENTION_HOURS: 24 });
    expect(loadConfig({ FILE_QUOTA_BYTES: '5000000000', FILE_RETENTION_HOURS: '0' })).toMatchObject({ FILE_QUOTA_BYTES: 5e9, FILE_RETENTION_HOURS: 0 });
    expect(startupError({ MAX_UPLOAD_BYTES: '10MB' })).toContain('MAX_UPLOAD_BYTES must be a number of bytes, e.g. MAX_UPLOAD_BYTES=10485760.');
    expect(startupError({ MAX_UPLOAD_BYTES: '0' })).toContain('MAX_UPLOAD_BYTES must be at least 1');
  });

  it('names the allowed log levels', () => {
    expect(startupError({ LOG_LEVEL: 'loud' })).toContain(
      'LOG_LEVEL: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, e.g. LOG_LEVEL=info.',
    );
  });

  it('wants base URLs with their http(s) scheme', () => {
    expect(startupError({ OPENAI_COMPATIBLE_BASE_URL: 'localhost:11434/v1' })).toContain(
      'OPENAI_COMPATIBLE_BASE_URL: OPENAI_COMPATIBLE_BASE_URL must be an http(s) URL, e.g. OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1.',
    );
    expect(startupError({ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: 'ftp://example.com' })).toContain('GEMINI_BASE_URL must be an http(s) URL');
    expect(startupError({ PUBLIC_URL: 'flow.example.com' })).toContain('PUBLIC_URL must be an http(s) URL');
  });

  it('refuses a Sentry DSN the SDK would ignore, and a short metrics token', () => {
    expect(startupError({ SENTRY_DSN: 'https://o0.ingest.sentry.io/42' })).toContain('SENTRY_DSN: SENTRY_DSN must be the DSN of a Sentry project');
    expect(startupError({ SENTRY_DSN: 'https://public-key@o0.ingest.sentry.io/42' })).toContain('SENTRY_DSN must be');
    expect(loadConfig({ SENTRY_DSN: 'https://abc123@o0.ingest.sentry.io/42' }).SENTRY_DSN).toBe('https://abc123@o0.ingest.sentry.io/42');
    expect(startupError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toContain('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://collector:4318');
    expect(startupError({ METRICS_TOKEN: 'short' })).toContain('METRICS_TOKEN must be at least 24 random characters');
  });

  it('refuses sign-in tokens that are malformed or too short', () => {
    expect(startupError({ AUTH_TOKENS: 'alice' })).toContain('AUTH_TOKENS must be token=user pairs separated by commas');
    expect(startupError({ AUTH_TOKENS: 'short=alice' })).toContain('the token for "alice" is too short');
    expect(loadConfig({ AUTH_TOKENS: `${TOKEN}=alice` }).AUTH_TOKENS).toEqual({ [TOKEN]: 'alice' });
  });

  it('reads the OpenAI-compatible models, and says which variable switches that provider on', () => {
    const config = loadConfig({
      OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_COMPATIBLE_MODEL: 'qwen2.5',
      OPENAI_COMPATIBLE_VISION_MODEL: 'llava',
    });
    expect(config).toMatchObject({ OPENAI_COMPATIBLE_MODEL: 'qwen2.5', OPENAI_COMPATIBLE_VISION_MODEL: 'llava' });

    expect(startupError({ OPENAI_COMPATIBLE_MODEL: 'qwen2.5' })).toContain(
      'OPENAI_COMPATIBLE_BASE_URL: OPENAI_COMPATIBLE_MODEL is set but OPENAI_COMPATIBLE_BASE_URL is not, so the OpenAI-compatible server provider stays off: set OPENAI_COMPATIBLE_BASE_URL too, or remove OPENAI_COMPATIBLE_MODEL.',
    );
    expect(startupError({ GROQ_BASE_URL: 'https://api.groq.com' })).toContain('GROQ_BASE_URL is set but GROQ_API_KEY is not');
  });

  it('checks the fallback list against the providers that exist and are configured', () => {
    expect(startupError({ GEMINI_API_KEY: 'k', LLM_FALLBACK: 'gemni,groq' })).toContain(
      'LLM_FALLBACK: LLM_FALLBACK names "gemni", which is not a provider; use gemini, groq, openai-compatible',
    );
    expect(startupError({ GEMINI_API_KEY: 'k', LLM_FALLBACK: 'gemini,groq=llama-3.1-8b-instant' })).toContain(
      'LLM_FALLBACK names groq, but GROQ_API_KEY is not set',
    );
    expect(loadConfig({ GEMINI_API_KEY: 'k', GROQ_API_KEY: 'g', LLM_FALLBACK: 'gemini, groq=llama-3.1-8b-instant' }).LLM_FALLBACK).toBe(
      'gemini, groq=llama-3.1-8b-instant',
    );
  });

  it('lists every problem at once, one line each', () => {
    const error = startupError({ PORT: 'x', LOG_LEVEL: 'loud', PUBLIC_URL: 'nope' })!;
    const lines = error.split('\n').filter((line) => line.startsWith('  - '));
    expect(lines.map((line) => line.slice(4, line.indexOf(':')))).toEqual(['PORT', 'PUBLIC_URL', 'LOG_LEVEL']);
  });
});

describe('every variable is declared and documented', () => {
  const documented = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const providerVars = [
    ...new Set([
      ...[geminiFromEnv, groqFromEnv, openaiCompatibleFromEnv].flatMap((factory) => factory.envVars),
      ...providerCatalog.flatMap((info) => [info.requiredEnv, ...info.optionalEnv]),
      'LLM_FALLBACK',
    ]),
  ];

  it('the schema holds every variable the providers read', () => {
    expect(providerVars).toContain('OPENAI_COMPATIBLE_MODEL');
    expect(providerVars).toContain('OPENAI_COMPATIBLE_VISION_MODEL');
    expect(Object.keys(EnvSchema.shape)).toEqual(expect.arrayContaining(providerVars));
  });

  it.each(Object.keys(EnvSchema.shape))('.env.example has a line for %s', (name) => {
    expect(documented).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});

describe('cluster mode settings', () => {
  const cluster = { DATABASE_URL: 'postgres://galaxy:secret@db:5432/galaxy', REDIS_URL: 'redis://redis:6379' };

  it('runs on the embedded defaults unless both DATABASE_URL and REDIS_URL are set', () => {
    expect(isClusterMode(loadConfig({}))).toBe(false);
    const config = loadConfig({ ...cluster, ROLE: 'worker' });
    expect(isClusterMode(config)).toBe(true);
    expect(config.ROLE).toBe('worker');
    expect(loadConfig(cluster).ROLE).toBe('all');
  });

  it('refuses half a cluster, a role without one, and URLs of the wrong kind, naming the variable', () => {
    expect(startupError({ DATABASE_URL: cluster.DATABASE_URL })).toContain('Cluster mode needs both DATABASE_URL and REDIS_URL; REDIS_URL is not set');
    expect(startupError({ REDIS_URL: cluster.REDIS_URL })).toContain('DATABASE_URL is not set');
    expect(startupError({ ROLE: 'api' })).toContain('ROLE=api splits the API and the workers into processes, which needs cluster mode');
    expect(startupError({ ...cluster, ROLE: 'scheduler' })).toContain('ROLE must be one of all, api, worker');
    expect(startupError({ ...cluster, DATABASE_URL: 'mysql://db/galaxy' })).toContain('DATABASE_URL must be a postgres:// URL');
    expect(startupError({ ...cluster, REDIS_URL: 'http://redis:6379' })).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect(startupError({ WORKER_CONCURRENCY: '0' })).toContain('WORKER_CONCURRENCY must be at least 1');
  });

  it('docker-compose.yml sets only variables the app reads', () => {
    const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
    const environment = [...compose.matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]);
    const inline = [...compose.matchAll(/\{ <<: \*env, ([A-Z_]+):/g)].map((match) => match[1]);
    const named = [...new Set([...environment, ...inline])].filter((name) => !name?.startsWith('POSTGRES_'));
    expect(named).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'ROLE', 'AUTH_TOKENS']));
    expect(Object.keys(EnvSchema.shape)).toEqual(expect.arrayContaining(named));
  });
});

describe('retention and storage caps', () => {
  it('keep runs 30 days and cap users at 1,000 runs and 500 workflows unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({
      RUN_RETENTION_DAYS: 30,
      RUN_RETENTION_PER_WORKFLOW: 0,
      RUN_RETENTION_INTERVAL_MINUTES: 60,
      MAX_STORED_RUNS_PER_USER: 1000,
      MAX_WORKFLOWS_PER_USER: 500,
    });
    expect(loadConfig({ RUN_RETENTION_DAYS: '0', MAX_STORED_RUNS_PER_USER: '0' })).toMatchObject({
      RUN_RETENTION_DAYS: 0,
      MAX_STORED_RUNS_PER_USER: 0,
    });
  });

  it.each([
    ['RUN_RETENTION_DAYS', '2.5', 'RUN_RETENTION_DAYS must be a whole number (0 turns it off), e.g. RUN_RETENTION_DAYS=30.'],
    ['MAX_STORED_RUNS_PER_USER', '-1', 'MAX_STORED_RUNS_PER_USER must be a whole number (0 turns it off)'],
    ['RUN_RETENTION_INTERVAL_MINUTES', '0', 'RUN_RETENTION_INTERVAL_MINUTES must be at least 1'],
  ])('refuses %s=%s and says what to set', (name, value, message) => {
    expect(startupError({ [name]: value })).toContain(message);
  });
});
