/**
 * Real PostgreSQL and Redis servers for a host's tests and local clusters: each starts the
 * installed binaries (Debian's `postgresql` and `redis-server` packages) on a free loopback
 * port in a temp folder, and removes it when closed. Nothing here imports a test runner.
 */
export { startTestPostgres } from './postgres';
export type { TestPostgres } from './postgres';
export { startRedisServer } from './redis';
export type { RedisServer } from './redis';
