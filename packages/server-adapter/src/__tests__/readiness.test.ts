import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import Database from 'better-sqlite3';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createGalaxyRouter } from '../express';
import { createInProcessQueue } from '../inProcessQueue';
import type { RunQueue } from '../queue';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';

const registry = createRegistry(builtinNodes);
let dir: string;
let dbPath: string;
let server: Server | undefined;
const opened: GalaxyStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'galaxy-ready-'));
  dbPath = join(dir, 'galaxy.db');
  // A database with the current schema, then closed: what a host finds on disk.
  const setup = createSqliteStore({ path: dbPath });
  void setup.close();
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: { readonly?: boolean } = {}): GalaxyStore {
  const store = createSqliteStore({ path: dbPath, ...options });
  opened.push(store);
  return store;
}

async function serve(store: GalaxyStore, queue: RunQueue): Promise<string> {
  const app = express();
  app.use(
    '/api',
    createGalaxyRouter({
      auth: tokenAuth({ tokens: { 'ready-token-0123456789': 'u' } }),
      store,
      queue,
      registry,
      logger: pino({ level: 'silent' }),
    }),
  );
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

describe('liveness and readiness', () => {
  // Tests may run as root, whom file permissions do not stop: the database is opened read-only
  // instead (SQLITE_OPEN_READONLY), which refuses every write whoever the user is, exactly as
  // SQLite does for a file it could only open for reading.
  it('a read-only database is alive but not ready: /ready answers 503 with Retry-After', async () => {
    const store = open({ readonly: true });
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.checkWritable()).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    const queue = createInProcessQueue({ store, registry, logger: pino({ level: 'silent' }) });
    await queue.start();
    try {
      const base = await serve(store, queue);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(await ready.json()).toMatchObject({
        code: 'E_UNAVAILABLE',
        detail: 'The database does not accept writes.',
      });
    } finally {
      await queue.stop({ deadlineMs: 0 });
    }
  });

  it('a writable database with a started queue is ready, and the probe leaves no row', async () => {
    const store = open();
    const queue = createInProcessQueue({ store, registry, logger: pino({ level: 'silent' }) });
    await queue.start();
    try {
      const base = await serve(store, queue);
      const ready = await fetch(`${base}/ready`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
    } finally {
      await queue.stop({ deadlineMs: 0 });
    }
    const reader = new Database(dbPath, { readonly: true });
    expect(reader.prepare('SELECT COUNT(*) AS n FROM users').get()).toEqual({ n: 0 });
    reader.close();
  });

  it('a queue that is not started (or stopping) is not ready', async () => {
    const store = open();
    const queue = createInProcessQueue({ store, registry, logger: pino({ level: 'silent' }) });
    const base = await serve(store, queue);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ detail: 'The run queue is not taking work.' });
  });
});
