import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config';

export interface EnvFileOptions {
  /** The folder whose `.env` is read when `ENV_FILE` is not set: the app's own folder. */
  dir: string;
}

/**
 * Reads settings from a dotenv file into `env` (normally `process.env`), before the
 * configuration is validated: `ENV_FILE` when set (it must exist), otherwise `<dir>/.env`
 * when there is one. A variable already in `env` wins over the file, even when it is empty,
 * as with `node --env-file` and dotenv: what a shell, container or CI sets is never
 * overridden by a file someone left behind. Returns the path read, or undefined.
 */
export function loadEnvFile(env: Record<string, string | undefined>, options: EnvFileOptions): string | undefined {
  const chosen = env.ENV_FILE?.trim();
  const path = chosen ? resolve(chosen) : resolve(options.dir, '.env');
  if (!existsSync(path)) {
    if (chosen) throw new ConfigError(`The app cannot start: ENV_FILE=${chosen} does not exist; point it at a settings file, or unset it to read .env.`);
    return undefined;
  }
  let values: NodeJS.Dict<string>;
  try {
    values = parseEnv(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`The app cannot start: ${path} could not be read (${error instanceof Error ? error.message : String(error)}).`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && env[name] === undefined) env[name] = value;
  }
  return path;
}
