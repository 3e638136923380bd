import type { AuthFailureLimiter, RateLimiter } from '@galaxyflow/server-adapter';
import {
  connectRedis,
  createRedisAuthFailureLimiter,
  createRedisCircuitSync,
  createRedisEventBus,
  createRedisRateLimiter,
  type RedisCircuitSync,
  type RedisEventBus,
} from '@galaxyflow/server-adapter/redis';

/** Hears Redis trouble (once per outage) while the connection heals itself. */
export type RedisTrouble = (what: string, error: unknown) => void;

/** What every instance of the app and every worker share through one Redis (`REDIS_URL`). */
export interface SharedRedis {
  /** Run events: workers publish them, every instance's streams hear them at once. */
  events: RedisEventBus;
  /** The providers' circuit breakers: one that opens in a process opens in all of them. */
  circuitSync: RedisCircuitSync;
  /** Request limits for the API, counted across every instance. */
  requestLimits(): {
    rateLimit: RateLimiter;
    publicRateLimit: RateLimiter;
    authFailureLimit: AuthFailureLimiter;
  };
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens one connection to `url` for the bus, the limiters and the breakers, and waits until
 * they listen. Refuses to start when Redis does not answer (`E_REDIS_UNAVAILABLE` naming
 * REDIS_URL), rather than run as an island that other instances cannot hear.
 */
export async function openSharedRedis(url: string, onTrouble: RedisTrouble): Promise<SharedRedis> {
  const client = await connectRedis({
    url,
    source: 'REDIS_URL',
    onError: (error) => onTrouble('Redis connection', error),
  });
  const onError = (what: string) => (error: unknown) => onTrouble(what, error);
  const events = createRedisEventBus({ client, onError: onError('live events') });
  const circuitSync = createRedisCircuitSync({ client, onError: onError('circuit breakers') });
  try {
    await Promise.all([events.ready(), circuitSync.ready()]);
  } catch (error) {
    await Promise.allSettled([events.close(), circuitSync.close()]);
    client.disconnect();
    throw error;
  }
  return {
    events,
    circuitSync,
    requestLimits: () => ({
      rateLimit: createRedisRateLimiter({ client, onError: onError('rate limits') }),
      publicRateLimit: createRedisRateLimiter({
        client,
        // Its own buckets: these are keyed by address, the default ones by user.
        name: 'public',
        default: { limit: 60, windowMs: 60_000 },
        onError: onError('rate limits'),
      }),
      authFailureLimit: createRedisAuthFailureLimiter({
        client,
        onError: onError('sign-in limits'),
      }),
    }),
    async close() {
      await Promise.allSettled([events.close(), circuitSync.close()]);
      await client.quit().catch(() => client.disconnect());
    },
  };
}
