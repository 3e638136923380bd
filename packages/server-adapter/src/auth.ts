import { createHash, timingSafeEqual } from 'node:crypto';
import { hostError } from './errors';

/** What an auth adapter sees of a request: enough to read a header or a cookie. */
export interface AuthRequest {
  method: string;
  /** Path and query, relative to where the API is mounted. */
  url: string;
  headers: { get(name: string): string | null };
}

/** Who made the request. */
export interface AuthIdentity {
  /** Stable id of the user; every record is scoped to it. */
  userId: string;
}

/**
 * Turns a request into an identity, or null for "not signed in" (the API answers 401).
 * Only the adapter decides identity: no header is trusted unless the adapter reads it.
 */
export interface AuthAdapter {
  authenticate(request: AuthRequest): Promise<AuthIdentity | null> | AuthIdentity | null;
}

export interface TokenAuthOptions {
  /**
   * Bearer tokens and the user id each stands for. Required; each token is at least 16
   * characters (e.g. `openssl rand -hex 32`), and neither blank nor `undefined`/`null`.
   */
  tokens: Readonly<Record<string, string>>;
}

/** Fewest characters a token may have: below this, guessing is a matter of time. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Why a configured token cannot be used, or null when it can. `tokens: { [process.env.X!]: 'alice' }`
 * with X unset makes the key the string "undefined", which anyone can send.
 */
function weakness(token: string): string | null {
  if (token.trim() === '') return 'is empty or whitespace';
  if (token === 'undefined' || token === 'null') {
    return `is the string "${token}", which is what an unset variable becomes in \`{ [process.env.X]: user }\``;
  }
  if (token.length < MIN_TOKEN_LENGTH) return `is shorter than ${MIN_TOKEN_LENGTH} characters`;
  return null;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer tokens from configuration: `Authorization: Bearer <token>`. Tokens are compared as
 * SHA-256 digests with `timingSafeEqual`, so response times reveal nothing about a token.
 */
export function tokenAuth(options: TokenAuthOptions): AuthAdapter {
  const byDigest = new Map<string, { digest: Buffer; userId: string }>();
  for (const [token, userId] of Object.entries(options.tokens)) {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw hostError(
        'E_INVALID_OPTION',
        'tokenAuth: a token in `tokens` has an empty user id; give every token the id of its user.',
        { option: 'tokens' },
      );
    }
    const why = weakness(token);
    if (why !== null) {
      // The user's name, never the token: this message ends up in logs.
      throw hostError(
        'E_INVALID_OPTION',
        `tokenAuth: the token of user "${userId}" ${why}; give it at least ${MIN_TOKEN_LENGTH} random characters (openssl rand -hex 32), and check the variable it comes from is set.`,
        { option: 'tokens', userId },
      );
    }
    const d = digest(token);
    byDigest.set(d.toString('base64'), { digest: d, userId });
  }
  return {
    authenticate(request) {
      const header = request.headers.get('authorization');
      if (header === null) return null;
      const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
      if (!match?.[1]) return null;
      const presented = digest(match[1]);
      // The map is keyed by the digest, so a lookup leaks timing about a hash, never the token.
      const entry = byDigest.get(presented.toString('base64'));
      if (!entry || !timingSafeEqual(entry.digest, presented)) return null;
      return { userId: entry.userId };
    },
  };
}
