import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type AppOptions, createApp } from './app';
import { loadConfig } from './config';
import { createHttpServer } from './httpServer';

export const TEST_TOKEN = 'app-test-token-0123456789abcdef';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends the request target byte for byte (no client-side `..` or `//` resolution) over loopback. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface RunningApp {
  app: App;
  server: Server;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The whole app on a loopback port, behind the same HTTP server as `main.ts`, with a built editor page faked in a temp folder (so no
 * `vite build` is needed) and its own data folder.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: Partial<AppOptions> = {},
): Promise<RunningApp> {
  const root = mkdtempSync(join(tmpdir(), 'galaxyflow-app-'));
  const clientDir = join(root, 'dist');
  mkdirSync(join(clientDir, 'assets'), { recursive: true });
  writeFileSync(join(clientDir, 'index.html'), '<!doctype html><title>Galaxy Flow</title>');
  writeFileSync(join(clientDir, 'assets', 'app.js'), 'console.log(1);');
  const dataDir = join(root, 'data');
  const config = loadConfig({
    DATA_DIR: dataDir,
    AUTH_TOKENS: `${TEST_TOKEN}=alice`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config, { env: {}, clientDir, ...options });
  const server = createHttpServer(app.app, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    server,
    port: (server.address() as AddressInfo).port,
    dataDir,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close(0);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
