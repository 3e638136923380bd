export { type RedisServer, startRedisServer } from '../../testing/servers/redis';
