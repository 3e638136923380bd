import { describe, expect, it } from 'vitest';
import { readAppEnv, readWorkerEnv } from '../server/env';

const valid = {
  DATABASE_URL: 'postgres://galaxy@db:5432/galaxy',
  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: 'pk_live_abc123',
  CLERK_SECRET_KEY: 'sk_live_def456',
  TRIGGER_SECRET_KEY: 'tr_prod_xyz789',
};

/** The start-up error's message for an environment, or '' when it starts. */
function problems(env: Record<string, string | undefined>): string {
  try {
    readAppEnv(env);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('readAppEnv', () => {
  it('starts with the Clerk keys, the database and the Trigger.dev key', () => {
    const env = readAppEnv(valid);
    expect(env.GALAXY_QUEUE).toBe('trigger');
    // The providers are the worker's business when Trigger.dev runs the workflows.
    expect(env.warnings).toEqual([]);
  });

  it('names each missing variable in one message', () => {
    const message = problems({});
    expect(message).toMatch(
      /^Galaxy Flow cannot start; fix the environment \(see \.env\.example\)/,
    );
    expect(message).toContain('DATABASE_URL is not set');
    expect(message).toContain('NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY is not set');
    expect(message).toContain('CLERK_SECRET_KEY is not set');
    expect(message).toContain('TRIGGER_SECRET_KEY is not set');
  });

  it('treats an empty value as unset, as .env files mean it', () => {
    expect(problems({ ...valid, CLERK_SECRET_KEY: '' })).toContain('CLERK_SECRET_KEY is not set');
  });

  it('refuses keys of the wrong kind or from two Clerk instances', () => {
    expect(problems({ ...valid, NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: 'sk_live_abc' })).toContain(
      'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY must be a Clerk publishable key (pk_test_… or pk_live_…)',
    );
    expect(problems({ ...valid, CLERK_SECRET_KEY: 'pk_live_abc' })).toContain(
      'CLERK_SECRET_KEY must be a Clerk secret key',
    );
    expect(problems({ ...valid, CLERK_SECRET_KEY: 'sk_test_abc' })).toContain(
      'CLERK_SECRET_KEY is a test key but NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY is a live key',
    );
  });

  it('needs the Trigger.dev key only when Trigger.dev runs the workflows', () => {
    const { TRIGGER_SECRET_KEY: _, ...withoutTrigger } = valid;
    expect(problems(withoutTrigger)).toContain('TRIGGER_SECRET_KEY is not set');
    expect(problems({ ...valid, TRIGGER_SECRET_KEY: 'secret' })).toContain(
      'TRIGGER_SECRET_KEY must be a Trigger.dev secret key',
    );
    expect(problems({ ...withoutTrigger, GALAXY_QUEUE: 'embedded', GEMINI_API_KEY: 'k' })).toBe('');
    expect(problems({ ...valid, GALAXY_QUEUE: 'redis' })).toContain(
      'GALAXY_QUEUE must be trigger or embedded',
    );
    expect(problems({ ...valid, TRIGGER_API_URL: 'trigger.example.com' })).toContain(
      'TRIGGER_API_URL must be an http(s) URL',
    );
  });

  it('says LLM nodes will fail when runs execute here without a provider', () => {
    const env = readAppEnv({ ...valid, GALAXY_QUEUE: 'embedded' });
    expect(env.warnings).toEqual([
      'No LLM provider is configured: LLM and Vision nodes will fail until one of GEMINI_API_KEY, GROQ_API_KEY, OPENAI_COMPATIBLE_BASE_URL is set.',
    ]);
    expect(readAppEnv({ ...valid, GALAXY_QUEUE: 'embedded', GROQ_API_KEY: 'k' }).warnings).toEqual(
      [],
    );
  });

  it('checks the provider settings as the reference app does', () => {
    expect(problems({ ...valid, GEMINI_BASE_URL: 'https://g.example.com' })).toContain(
      'GEMINI_BASE_URL is set but GEMINI_API_KEY is not, so the Gemini provider stays off',
    );
    const twoProblems = problems({
      ...valid,
      OPENAI_COMPATIBLE_BASE_URL: 'localhost:11434',
      GROQ_API_KEY: ' ',
    });
    expect(twoProblems).toContain('OPENAI_COMPATIBLE_BASE_URL must be an http(s) URL');
    expect(twoProblems).toContain('GROQ_API_KEY must not be blank');
    expect(problems({ ...valid, GROQ_API_KEY: 'k', LLM_FALLBACK: 'groq,gemni' })).toContain(
      'LLM_FALLBACK names "gemni", which is not a provider',
    );
    expect(problems({ ...valid, GROQ_API_KEY: 'k', LLM_FALLBACK: 'gemini' })).toContain(
      'LLM_FALLBACK names gemini, but GEMINI_API_KEY is not set',
    );
  });

  it('lets the test sign-in replace Clerk only under NODE_ENV=test', () => {
    const test = { DATABASE_URL: 'file:./e2e.db', GALAXY_QUEUE: 'embedded', GALAXY_TEST_AUTH: '1' };
    const env = readAppEnv({ ...test, NODE_ENV: 'test', GEMINI_API_KEY: 'k' });
    expect(env.warnings).toEqual([
      'GALAXY_TEST_AUTH=1: Clerk is off and any request may name its user. Never set it outside tests.',
    ]);
    const message = problems({ ...test, NODE_ENV: 'production' });
    expect(message).toContain(
      'GALAXY_TEST_AUTH lets anyone sign in as anyone and works only with NODE_ENV=test',
    );
    // Without test mode Clerk is required again.
    expect(message).toContain('CLERK_SECRET_KEY is not set');
    expect(problems({ ...test, NODE_ENV: 'test', GALAXY_TEST_AUTH: 'yes' })).toContain(
      'GALAXY_TEST_AUTH lets anyone sign in',
    );
  });
});

describe('readWorkerEnv', () => {
  it('needs only the database, and warns when no LLM provider is set', () => {
    expect(readWorkerEnv({ DATABASE_URL: valid.DATABASE_URL }).warnings).toEqual([
      expect.stringContaining('LLM and Vision nodes will fail'),
    ]);
    expect(
      readWorkerEnv({ DATABASE_URL: valid.DATABASE_URL, GEMINI_API_KEY: 'k' }).warnings,
    ).toEqual([]);
    expect(() => readWorkerEnv({ DATABASE_URL: 'mysql://x' })).toThrow(
      'DATABASE_URL must start with postgres://, postgresql:// or file:.',
    );
  });
});
