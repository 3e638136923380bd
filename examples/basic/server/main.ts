import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { loadEnvFile } from './envFile';
import { createHttpServer } from './httpServer';

/** The app's folder (examples/basic, or /app in the image): where its `.env` sits. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  // Before validation, so a bad value in .env is reported like one in the environment.
  loadEnvFile(process.env, { dir: APP_DIR });
  const config = loadConfig(process.env);
  const { app, close, generatedToken } = await createApp(config, { env: process.env });
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = createHttpServer(app, config);
      // Listening fails with an 'error' event (port taken, no permission).
      s.once('error', reject);
      s.listen(config.PORT, config.HOST, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  } catch (error) {
    await close(0);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'needs privileges this user lacks' : 'is not an address of this machine';
      const what = code === 'EADDRNOTAVAIL' ? `HOST=${config.HOST}` : `port ${config.PORT}`;
      throw new ConfigError(`The app cannot start: ${what} ${why}. Set PORT to another port (PORT=0 picks a free one) or HOST to an address of this machine.`);
    }
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const base = config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' || config.HOST === '127.0.0.1' ? 'localhost' : config.HOST}:${port}`;
  console.log(`\n  Galaxy Flow is running at ${base}`);
  if (generatedToken) console.log(`  Open ${base}/?token=${generatedToken} to sign in.\n`);
  else console.log('  Sign in with one of the tokens in AUTH_TOKENS: /?token=<token>\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal}: finishing running nodes, then stopping…`);
    server.close();
    server.closeIdleConnections();
    // The queue starts no new node, lets nodes in flight finish for up to 10 s and records
    // them, then releases each unfinished run at once: the next worker (or the next start)
    // takes it over without waiting for a lease to expire and without re-running what succeeded.
    await close(10_000);
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
