import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config';

/** The user a generated first-start token signs in as. */
export const LOCAL_USER = 'local';

/**
 * The bearer tokens the app accepts: `AUTH_TOKENS` when set; otherwise one token made on
 * first start and kept in `<dataDir>/auth-token` (readable by its owner only), so the
 * login URL stays the same across restarts, as a notebook server's does.
 */
export function resolveTokens(dataDir: string, configured: Record<string, string> | undefined): { tokens: Record<string, string>; generated?: string } {
  if (configured) return { tokens: configured };
  const file = join(dataDir, 'auth-token');
  try {
    let token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (token.length < 24) {
      token = randomBytes(24).toString('hex');
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    return { tokens: { [token]: LOCAL_USER }, generated: token };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(
      `The app cannot start: the login token file ${file} (in DATA_DIR) cannot be read or written (${typeof code === 'string' ? code : String(error)}). Make it a file this user can write (or remove it to get a new token), or set AUTH_TOKENS.`,
    );
  }
}
