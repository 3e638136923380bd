import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGalaxyClient, GalaxyApiError } from '@galaxyflow/server-adapter/client';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from './app';
import { loadConfig } from './config';

const TOKEN = 'storage-0123456789abcdef01234';
const graph = {
  nodes: [
    { id: 'a', type: 'text', data: { text: 'hi' } },
    { id: 'b', type: 'debug', data: {} },
  ],
  edges: [{ id: 'e', source: 'a', sourceHandle: 'text', target: 'b', targetHandle: 'value' }],
};

let opened: { app: App; server: Server } | undefined;
const dirs: string[] = [];

/** Stops the app started last, keeping its data directory. */
async function stop() {
  if (!opened) return;
  opened.server.closeAllConnections();
  await new Promise((resolve) => opened?.server.close(resolve));
  await opened.app.close(0);
  opened = undefined;
}

afterEach(async () => {
  await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts the whole app on a loopback port with these settings, over `dataDir` (default a new one). */
async function start(env: Record<string, string>, dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-storage-'))) {
  dirs.push(dataDir);
  const config = loadConfig({ DATA_DIR: dataDir, AUTH_TOKENS: `${TOKEN}=alice`, LOG_LEVEL: 'silent', ...env });
  const app = await createApp(config, { env: {} });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  opened = { app, server };
  const { port } = server.address() as AddressInfo;
  const client = createGalaxyClient({ baseUrl: `http://127.0.0.1:${port}/api`, headers: { authorization: `Bearer ${TOKEN}` } });
  return { client, dataDir };
}

async function finished(client: ReturnType<typeof createGalaxyClient>, runId: string) {
  for (let i = 0; i < 500; i++) {
    const run = await client.runs.get(runId, { pages: 'first' });
    if (run.run.finishedAt !== null) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('storage settings', () => {
  it('MAX_STORED_RUNS_PER_USER refuses the next run, citing the retention days, until a run is deleted', async () => {
    const { client } = await start({ MAX_STORED_RUNS_PER_USER: '1', RUN_RETENTION_DAYS: '7' });
    const { runId } = await client.execute(graph);
    await finished(client, runId);
    const refused = await client.execute(graph).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GalaxyApiError);
    expect(refused).toMatchObject({ status: 409, code: 'E_STORAGE_QUOTA_EXCEEDED' });
    expect((refused as GalaxyApiError).problem?.detail).toContain('7 days after they end');
    await client.runs.delete(runId);
    expect((await client.execute(graph)).runId).toEqual(expect.any(String));
  });

  it('RUN_RETENTION_PER_WORKFLOW prunes finished runs beyond the newest N at start-up', async () => {
    const { client: before, dataDir } = await start({ RUN_RETENTION_DAYS: '0' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { runId } = await before.execute(graph);
      await finished(before, runId);
      ids.push(runId);
    }
    await stop();
    // The same data, now with a rule: the first pass runs at start-up.
    const { client } = await start({ RUN_RETENTION_PER_WORKFLOW: '1' }, dataDir);
    for (let i = 0; i < 500 && (await client.runs.list()).total > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await client.runs.list()).items.map((run) => run.id)).toEqual([ids[2]]);
  });
});
