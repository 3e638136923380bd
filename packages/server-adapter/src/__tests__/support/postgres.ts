export { startTestPostgres, type TestPostgres } from '../../testing/servers/postgres';
