import type { AuthAdapter } from '@galaxyflow/server-adapter';
import type { UserProfile, UserProfiles } from '../store/userProfiles';

/** What the adapter reads of Clerk's session: `auth()` of `@clerk/nextjs/server` returns it. */
export interface ClerkSessionAuth {
  /** The signed-in Clerk user (`user_…`), or null when signed out or the session is pending. */
  userId: string | null;
  /** The Clerk session (`sess_…`); each sign-in opens a new one. */
  sessionId?: string | null;
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
  /**
   * Where the user's email, name and avatar are kept. When given, they are copied from Clerk
   * once per Clerk session, i.e. at each sign-in, not on every request.
   */
  profiles?: UserProfiles;
  /** Reads a Clerk user's profile. Default Clerk's Backend API (`clerkClient().users.getUser`). */
  getProfile?: (clerkUserId: string) => Promise<UserProfile>;
  /** Told when a profile could not be copied; the request goes on. Default `console.warn`. */
  onProfileError?: (error: unknown) => void;
}

/** Clerk sessions whose profile is stored, per process: most requests then skip the database. */
const SESSIONS_KEPT = 10_000;

async function clerkNextAuth(): Promise<ClerkSessionAuth> {
  // Loaded on first use: the Clerk SDK is Next.js server code that tests never need.
  const { auth } = await import('@clerk/nextjs/server');
  return auth();
}

async function clerkProfile(clerkUserId: string): Promise<UserProfile> {
  const { clerkClient } = await import('@clerk/nextjs/server');
  const user = await (await clerkClient()).users.getUser(clerkUserId);
  return {
    email: user.primaryEmailAddress?.emailAddress ?? null,
    name: user.fullName,
    avatarUrl: user.imageUrl || null,
  };
}

/**
 * An `AuthAdapter` for Clerk: the signed-in Clerk user is the Galaxy user. Browser requests
 * carry Clerk's session cookie; other clients send a Clerk session token as
 * `Authorization: Bearer …`, which Clerk's middleware verifies the same way.
 */
export function clerkAuth(options: ClerkAuthOptions = {}): AuthAdapter {
  const getAuth = options.getAuth ?? clerkNextAuth;
  const toUserId = options.toUserId ?? ((id: string) => id);
  const getProfile = options.getProfile ?? clerkProfile;
  const onProfileError =
    options.onProfileError ??
    ((error: unknown) => console.warn('Galaxy Flow: could not copy the Clerk profile', error));
  const copiedSessions = new Set<string>();

  async function copyProfile(
    profiles: UserProfiles,
    clerkUserId: string,
    userId: string,
    sessionId: string,
  ) {
    if (copiedSessions.has(sessionId)) return;
    try {
      if (!(await profiles.isCurrent(userId, sessionId))) {
        await profiles.save(userId, sessionId, await getProfile(clerkUserId));
      }
      if (copiedSessions.size >= SESSIONS_KEPT) copiedSessions.clear();
      copiedSessions.add(sessionId);
    } catch (error) {
      // The profile is for display; Clerk being slow or down must not lock the user out.
      onProfileError(error);
    }
  }

  return {
    async authenticate() {
      // Clerk has already verified the request in the middleware; a failure to read the
      // session (misconfigured keys) propagates as a server error rather than a 401.
      const { userId, sessionId } = await getAuth();
      if (!userId) return null;
      const galaxyUserId = toUserId(userId);
      if (!galaxyUserId) return null;
      if (options.profiles && sessionId) {
        await copyProfile(options.profiles, userId, galaxyUserId, sessionId);
      }
      return { userId: galaxyUserId };
    },
  };
}
