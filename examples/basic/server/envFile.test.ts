import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { loadEnvFile } from './envFile';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'galaxyflow-env-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('.env', () => {
  it('reads .env from the app folder into the environment, before the settings are checked', () => {
    writeFileSync(join(dir, '.env'), '# comment\nPORT=4100\nGEMINI_API_KEY="from file"\nOPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1\nOPENAI_COMPATIBLE_MODEL=qwen2.5\n');
    const env: Record<string, string | undefined> = {};
    expect(loadEnvFile(env, { dir })).toBe(join(dir, '.env'));
    expect(env).toEqual({
      PORT: '4100',
      GEMINI_API_KEY: 'from file',
      OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_COMPATIBLE_MODEL: 'qwen2.5',
    });
    expect(loadConfig(env)).toMatchObject({ PORT: 4100, GEMINI_API_KEY: 'from file', OPENAI_COMPATIBLE_MODEL: 'qwen2.5' });
  });

  it('lets variables set in the real environment win over the file, even empty ones', () => {
    writeFileSync(join(dir, '.env'), 'PORT=4100\nLOG_LEVEL=debug\nGROQ_API_KEY=from-file\n');
    const env: Record<string, string | undefined> = { PORT: '5000', GROQ_API_KEY: '' };
    loadEnvFile(env, { dir });
    expect(env).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', GROQ_API_KEY: '' });
    expect(loadConfig(env).GROQ_API_KEY).toBeUndefined();
  });

  it('does nothing when there is no .env', () => {
    const env: Record<string, string | undefined> = { PORT: '5000' };
    expect(loadEnvFile(env, { dir })).toBeUndefined();
    expect(env).toEqual({ PORT: '5000' });
  });

  it('reads ENV_FILE instead when it is set, and refuses one that does not exist', () => {
    writeFileSync(join(dir, '.env'), 'PORT=4100\n');
    writeFileSync(join(dir, 'other.env'), 'PORT=4200\n');
    const env: Record<string, string | undefined> = { ENV_FILE: join(dir, 'other.env') };
    loadEnvFile(env, { dir });
    expect(env.PORT).toBe('4200');

    const missing = { ENV_FILE: join(dir, 'typo.env') };
    expect(() => loadEnvFile(missing, { dir })).toThrow(ConfigError);
    expect(() => loadEnvFile(missing, { dir })).toThrow(`ENV_FILE=${join(dir, 'typo.env')} does not exist`);
  });
});
