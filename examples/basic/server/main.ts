import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { app, close, generatedToken } = await createApp(config, { env: process.env });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
  });
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
    // Runs not finished by the deadline keep their lease until it expires; the next start resumes them.
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
