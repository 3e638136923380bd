/**
 * Real PostgreSQL and Redis servers for a host's tests and local clusters: each starts the
 * installed binaries (Debian's `postgresql` and `redis-server` packages) on a free loopback
 * port in a temp folder, and removes it when closed. And a loopback endpoint that records what
 * the real Sentry SDK reports. Nothing here imports a test runner.
 */

export type { TestPostgres } from './postgres';
export { startTestPostgres } from './postgres';
export type { RedisServer } from './redis';
export { startRedisServer } from './redis';
export type { RecordedSentryEvent, SentryRecorder } from './sentry';
export { startSentryRecorder } from './sentry';
