import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const workspaceRoot = fileURLToPath(new URL('../..', import.meta.url));

const nextConfig: NextConfig = {
  // A self-contained server (.next/standalone) for the Dockerfile: only the files it needs.
  output: 'standalone',
  // The monorepo root holds the lockfile and the workspace packages.
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
  // Native and WebAssembly-backed database drivers load from node_modules at run time.
  serverExternalPackages: [
    '@prisma/client',
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-pg',
    'better-sqlite3',
    'pg',
    'pino',
    // Loaded only with SENTRY_DSN set; from node_modules, as the SDK expects on the server.
    '@sentry/nextjs',
  ],
};

export default nextConfig;
