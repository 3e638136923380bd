import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEditorClientContract } from '@galaxyflow/react-editor/testing';
import { createGalaxyClient } from '@galaxyflow/server-adapter/client';
import { createApp } from './app';
import { loadConfig } from './config';

const TOKEN = 'contract-0123456789abcdef0123';

/** The HTTP client against the whole app (router, in-process queue, SQLite), on a loopback port. */
runEditorClientContract({
  name: 'HTTP client against the basic app',
  async create({ registry }) {
    const dataDir = mkdtempSync(join(tmpdir(), 'galaxyflow-client-contract-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      AUTH_TOKENS: `${TOKEN}=alice`,
      LOG_LEVEL: 'silent',
    });
    const app = await createApp(config, { env: {}, registry });
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.app.listen(0, '127.0.0.1', (error?: Error) =>
        error ? reject(error) : resolve(s),
      );
    });
    const { port } = server.address() as AddressInfo;
    const client = createGalaxyClient({
      baseUrl: `http://127.0.0.1:${port}/api`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return {
      client,
      async seed(name, workflow) {
        const created = await client.workflows.create({
          name,
          nodes: workflow.nodes,
          edges: workflow.edges,
        });
        return { id: created.id, version: created.version };
      },
      async saveElsewhere(id, workflow) {
        // Another tab: its own client, saving over the version it just read.
        const other = createGalaxyClient({
          baseUrl: `http://127.0.0.1:${port}/api`,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const { version } = await other.workflows.get(id);
        await other.workflows.update(id, {
          nodes: workflow.nodes,
          edges: workflow.edges,
          expectedVersion: version,
        });
      },
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await app.close(0);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
});
