import type { GalaxyPrismaClient } from './prismaStore';

/** What the app keeps of a Clerk user, shown beside their workflows and runs. */
export interface UserProfile {
  email: string | null;
  name: string | null;
  avatarUrl: string | null;
}

/** The profile columns of the `users` table, written when a user signs in. */
export interface UserProfiles {
  /** Whether the profile was already copied during this Clerk session. */
  isCurrent(userId: string, sessionId: string): Promise<boolean>;
  /** Stores the profile as of the sign-in that opened `sessionId`, creating the user if new. */
  save(userId: string, sessionId: string, profile: UserProfile): Promise<void>;
  /** The stored profile, or undefined for an unknown user. */
  get(userId: string): Promise<UserProfile | undefined>;
}

export interface UserProfilesOptions {
  prisma: GalaxyPrismaClient;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The profile half of the `users` table. Every call runs in a transaction: the SQLite driver
 * adapter has one connection, shared with the store's transactions.
 */
export function createUserProfiles(options: UserProfilesOptions): UserProfiles {
  const { prisma } = options;
  const now = options.now ?? Date.now;
  return {
    async isCurrent(userId, sessionId) {
      const row = await prisma.$transaction((db) =>
        db.user.findUnique({ where: { id: userId }, select: { profileSessionId: true } }),
      );
      return row?.profileSessionId === sessionId;
    },
    async save(userId, sessionId, profile) {
      const at = new Date(now());
      const columns = { ...profile, profileSessionId: sessionId, profileUpdatedAt: at };
      await prisma.$transaction((db) =>
        db.user.upsert({
          where: { id: userId },
          create: { id: userId, createdAt: at, lastSeenAt: at, ...columns },
          update: columns,
        }),
      );
    },
    async get(userId) {
      const row = await prisma.$transaction((db) =>
        db.user.findUnique({
          where: { id: userId },
          select: { email: true, name: true, avatarUrl: true },
        }),
      );
      return row ?? undefined;
    },
  };
}
