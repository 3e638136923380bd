export { createRedisCircuitSync } from './circuitSync';
export type { RedisCircuitSync, RedisCircuitSyncOptions } from './circuitSync';
export { connectRedis } from './connection';
export type { ConnectRedisOptions, RedisConnectionOptions } from './connection';
export { createRedisEventBus } from './eventBus';
export type { RedisEventBus, RedisEventBusOptions } from './eventBus';
export { createRedisAuthFailureLimiter, createRedisRateLimiter } from './rateLimit';
export type {
  RedisAuthFailureLimiter,
  RedisAuthFailureLimiterOptions,
  RedisLimiterHandle,
  RedisRateLimiter,
  RedisRateLimiterOptions,
} from './rateLimit';
