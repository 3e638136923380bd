import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthAdapter, AuthRequest } from '@galaxyflow/server-adapter';
import { runAuthAdapterContract } from '@galaxyflow/server-adapter/testing';
import { type ClerkSessionAuth, clerkAuth } from '../auth/clerkAuth';

const SESSIONS: Readonly<Record<string, string>> = {
  'sess_alice.eyJhbGciOiJSUzI1NiJ9.sig': 'user_2alice',
  'sess_bob.eyJhbGciOiJSUzI1NiJ9.sig': 'user_2bob',
};

/** The session token a request carries the way Clerk reads it: the `__session` cookie, else a Bearer token. */
function sessionToken(request: AuthRequest): string | undefined {
  const cookie = request.headers.get('cookie') ?? '';
  const fromCookie = /(?:^|;\s*)__session=([^;]*)/.exec(cookie)?.[1];
  if (fromCookie) return fromCookie;
  return /^Bearer ([^\s]+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
}

/**
 * A stand-in for `clerkMiddleware` + `auth()` with their documented behaviour: the middleware
 * verifies the request's session token, and `auth()` (called without arguments, from the
 * request's scope) gives its user, or `userId: null` for no session or one it cannot verify.
 */
function fakeClerk(): AuthAdapter {
  const scope = new AsyncLocalStorage<AuthRequest>();
  const getAuth = async (): Promise<ClerkSessionAuth> => {
    const request = scope.getStore();
    if (!request) throw new Error('auth() was called outside a request');
    const token = sessionToken(request);
    return { userId: (token !== undefined && SESSIONS[token]) || null };
  };
  const adapter = clerkAuth({ getAuth });
  return { authenticate: (request) => scope.run(request, () => adapter.authenticate(request)) };
}

runAuthAdapterContract({
  name: 'clerkAuth behind Clerk middleware',
  create: () => ({
    adapter: fakeClerk(),
    users: [
      {
        headers: { cookie: 'theme=dark; __session=sess_alice.eyJhbGciOiJSUzI1NiJ9.sig' },
        userId: 'user_2alice',
      },
      {
        headers: { authorization: 'Bearer sess_bob.eyJhbGciOiJSUzI1NiJ9.sig' },
        userId: 'user_2bob',
      },
    ],
    refused: [
      { cookie: '__session=sess_carol.eyJhbGciOiJSUzI1NiJ9.sig' },
      { authorization: 'Bearer sess_expired.eyJhbGciOiJSUzI1NiJ9.sig' },
      { cookie: '__client_uat=1767225600' },
    ],
  }),
});
