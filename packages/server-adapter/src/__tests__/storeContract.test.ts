import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memoryStore';
import { migrations } from '../store/migrations';
import { createSqliteStore } from '../store/sqliteStore';
import { runStoreContract } from '../testing/storeContract';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('SQLite store', () => {
  runStoreContract({
    test: it,
    makeStore: ({ now }) => createSqliteStore({ path: join(dir, `contract-${++files}.db`), now }),
  });

  it('opens in WAL mode with foreign keys on and the schema at the latest migration', async () => {
    const path = join(dir, 'pragmas.db');
    const store = createSqliteStore({ path });
    await store.close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)?.version);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    expect(tables.map((t) => (t as { name: string }).name)).toEqual([
      'execution_logs',
      'idempotency_keys',
      'node_results',
      'run_counts',
      'run_events',
      'runs',
      'sqlite_sequence',
      'users',
      'workflow_versions',
      'workflows',
    ]);
    // Foreign keys are enforced on the store's connection: a run of an unknown user is refused.
    db.close();
    const again = createSqliteStore({ path });
    await expect(
      again.createRun('nobody', {
        workflowId: null,
        workflowVersion: null,
        graph: { nodes: [], edges: [], settings: null },
        scope: 'FULL',
        targetNodeIds: null,
        reuseRunId: null,
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
    await again.close();
  });

  it('reopens an existing file without re-running migrations and keeps the data', async () => {
    const path = join(dir, 'reopen.db');
    const first = createSqliteStore({ path });
    await first.ensureUser('u');
    const created = await first.createWorkflow('u', {
      name: 'Kept',
      description: '',
      tags: [],
      nodes: [],
      edges: [],
      settings: null,
    });
    await first.close();
    const second = createSqliteStore({ path });
    expect((await second.getWorkflow('u', created.id))?.name).toBe('Kept');
    await second.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    expect(() => createSqliteStore({ path })).toThrow(/newer than this package knows/);
  });

  it('applies a new migration once, in a transaction that rolls back on failure', async () => {
    const path = join(dir, 'migrate.db');
    await createSqliteStore({ path }).close();
    const broken = [
      ...migrations,
      { version: 3, name: 'broken', sql: 'CREATE TABLE extra (id TEXT); SELECT * FROM missing;' },
    ];
    expect(() => createSqliteStore({ path, migrations: broken })).toThrow(/no such table/);
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeUndefined();
    db.close();
  });
});

describe('SQLite store upgrades', () => {
  it('backfills run counters when a version 1 database is upgraded', async () => {
    const path = join(dir, 'upgrade.db');
    const v1 = createSqliteStore({ path, migrations: migrations.slice(0, 1) });
    await v1.ensureUser('u');
    const workflow = await v1.createWorkflow('u', {
      name: 'W',
      description: '',
      tags: [],
      nodes: [],
      edges: [],
      settings: null,
    });
    const input = {
      workflowId: workflow.id,
      workflowVersion: 1,
      graph: null,
      scope: 'FULL' as const,
      targetNodeIds: null,
      reuseRunId: null,
    };
    for (let i = 0; i < 3; i++) await v1.createRun('u', input);
    const adHoc = await v1.createRun('u', {
      ...input,
      workflowId: null,
      workflowVersion: null,
      graph: { nodes: [], edges: [], settings: null },
    });
    if (adHoc.ok) await v1.requestCancel('u', adHoc.run.id);
    await v1.close();

    const upgraded = createSqliteStore({ path });
    const all = await upgraded.listRuns('u', { page: 1, limit: 1 });
    expect(all.total).toBe(4);
    expect((await upgraded.listRuns('u', { page: 1, limit: 1, status: 'CANCELED' })).total).toBe(1);
    expect(
      (await upgraded.listRuns('u', { page: 1, limit: 1, workflowId: workflow.id })).total,
    ).toBe(3);
    const [summary] = (await upgraded.listWorkflows('u', { page: 1, limit: 1 })).items;
    expect(summary?.runCount).toBe(3);
    await upgraded.close();
  });
});

describe('memory store', () => {
  runStoreContract({ test: it, makeStore: ({ now }) => createMemoryStore({ now }) });
});
