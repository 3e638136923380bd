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
  /** Bearer tokens and the user id each stands for. Required; tokens must be non-empty. */
  tokens: Readonly<Record<string, string>>;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer tokens from configuration: `Authorization: Bearer <token>`. Tokens are compared as
 * SHA-256 digests with `timingSafeEqual`, so response times reveal nothing about a token.
 */
export function tokenAuth(options: TokenAuthOptions): AuthAdapter {
  const byDigest = new Map<string, { digest: Buffer; userId: string }>();
  for (const [token, userId] of Object.entries(options.tokens)) {
    if (token.length === 0 || userId.length === 0) {
      throw hostError(
        'E_INVALID_OPTION',
        'tokenAuth: tokens and user ids must be non-empty strings; remove the entry with an empty one from `tokens`.',
        { option: 'tokens' },
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
