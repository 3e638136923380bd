import type { AuthAdapter } from '@galaxyflow/server-adapter';

/** What the adapter reads of Clerk's session: `auth()` of `@clerk/nextjs/server` returns it. */
export interface ClerkSessionAuth {
  /** The signed-in Clerk user (`user_…`), or null when signed out or the session is pending. */
  userId: string | null;
}

export interface ClerkAuthOptions {
  /**
   * Reads the Clerk session of the request being handled. Default `auth` from
   * `@clerk/nextjs/server`, which needs `clerkMiddleware` in `src/proxy.ts` to have run.
   */
  getAuth?: () => Promise<ClerkSessionAuth>;
  /**
   * Galaxy's user id for a Clerk user id; every workflow and run is scoped to it. Default the
   * Clerk id itself, which is stable for the life of the Clerk user.
   */
  toUserId?: (clerkUserId: string) => string;
}

async function clerkNextAuth(): Promise<ClerkSessionAuth> {
  // Loaded on first use: the Clerk SDK is Next.js server code that tests never need.
  const { auth } = await import('@clerk/nextjs/server');
  return auth();
}

/**
 * An `AuthAdapter` for Clerk: the signed-in Clerk user is the Galaxy user. Browser requests
 * carry Clerk's session cookie; other clients send a Clerk session token as
 * `Authorization: Bearer …`, which Clerk's middleware verifies the same way.
 */
export function clerkAuth(options: ClerkAuthOptions = {}): AuthAdapter {
  const getAuth = options.getAuth ?? clerkNextAuth;
  const toUserId = options.toUserId ?? ((id: string) => id);
  return {
    async authenticate() {
      // Clerk has already verified the request in the middleware; a failure to read the
      // session (misconfigured keys) propagates as a server error rather than a 401.
      const { userId } = await getAuth();
      if (!userId) return null;
      const galaxyUserId = toUserId(userId);
      return galaxyUserId ? { userId: galaxyUserId } : null;
    },
  };
}
