import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memoryStore';
import { createSqliteStore } from '../store/sqlite/index';
import { migrate, migrations } from '../store/sqlite/migrations';
import { runStoreContract } from '../testing/storeContract/index';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('SQLite store', () => {
  runStoreContract({
    test: it,
    makeStore: ({ now }) => createSqliteStore({ path: join(dir, `contract-${++files}.db`), now }),
    files: true,
    usage: true,
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
      'files',
      'idempotency_keys',
      'node_results',
      'run_counts',
      'run_events',
      'run_file_refs',
      'runs',
      'sqlite_sequence',
      'usage_counted',
      'usage_daily',
      'users',
      'workflow_file_refs',
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
        graph: { nodes: [], edges: [] },
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
    expect(() => createSqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'E_STORE_SCHEMA_TOO_NEW' }),
    );
  });

  it('applies a new migration once, in a transaction that rolls back on failure', async () => {
    const path = join(dir, 'migrate.db');
    await createSqliteStore({ path }).close();
    const latest = migrations.at(-1)!.version;
    const broken = [
      ...migrations,
      {
        version: latest + 1,
        name: 'broken',
        sql: 'CREATE TABLE extra (id TEXT); SELECT * FROM missing;',
      },
    ];
    expect(() => createSqliteStore({ path, migrations: broken })).toThrow(/no such table/);
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeUndefined();
    db.close();
  });
});

describe('SQLite store upgrades', () => {
  /** A database as version 1 of the package left it: its schema, and rows written by hand. */
  function versionOneFile(path: string): { workflowId: string } {
    const db = new Database(path);
    migrate(db, migrations.slice(0, 1));
    const at = Date.UTC(2025, 0, 1);
    db.prepare('INSERT INTO users (id, created_at, last_seen_at) VALUES (?, ?, ?)').run(
      'u',
      at,
      at,
    );
    const graph = JSON.stringify({ nodes: [], edges: [], settings: null });
    db.prepare(
      `INSERT INTO workflows (id, owner_id, name, description, tags, graph, node_count, version, created_at, updated_at)
       VALUES ('w', 'u', 'W', '', '[]', ?, 0, 1, ?, ?)`,
    ).run(graph, at, at);
    db.prepare(
      `INSERT INTO workflow_versions (workflow_id, version, name, description, tags, graph, node_count, edge_count, created_at)
       VALUES ('w', 1, 'W', '', '[]', ?, 0, 0, ?)`,
    ).run(graph, at);
    const counts = JSON.stringify({ total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 });
    const insertRun = db.prepare(
      `INSERT INTO runs (id, owner_id, workflow_id, workflow_version, graph, status, scope, counts, attempts, created_at)
       VALUES (?, 'u', ?, ?, ?, ?, 'FULL', ?, ?, ?)`,
    );
    for (let i = 0; i < 3; i++) insertRun.run(`r${i}`, 'w', 1, null, 'QUEUED', counts, 0, at + i);
    // Resumed twice under the old rule, which counted every claim after the first.
    insertRun.run('adhoc', null, null, graph, 'CANCELED', counts, 3, at + 3);
    db.close();
    return { workflowId: 'w' };
  }

  it('backfills run counters and starts interruptions at 0 when a version 1 database is upgraded', async () => {
    const path = join(dir, 'upgrade.db');
    const { workflowId } = versionOneFile(path);
    const upgraded = createSqliteStore({ path });
    const all = await upgraded.listRuns('u', { page: 1, limit: 10 });
    expect(all.total).toBe(4);
    expect(all.items.map((run) => [run.attempts, run.interruptions])).toEqual([
      [3, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect((await upgraded.listRuns('u', { page: 1, limit: 1, status: 'CANCELED' })).total).toBe(1);
    expect((await upgraded.listRuns('u', { page: 1, limit: 1, workflowId })).total).toBe(3);
    const [summary] = (await upgraded.listWorkflows('u', { page: 1, limit: 1 })).items;
    expect(summary?.runCount).toBe(3);
    // Graphs saved when "no settings" was written as null read back without settings.
    const workflow = await upgraded.getWorkflow('u', workflowId);
    expect(workflow).toMatchObject({ createdAt: Date.UTC(2025, 0, 1), nodes: [], edges: [] });
    expect(workflow).not.toHaveProperty('settings');
    expect((await upgraded.getRunDetail('u', 'adhoc'))?.graph).toEqual({ nodes: [], edges: [] });
    await upgraded.close();
  });

  it('keeps node results written before meta existed, reading them back without meta', async () => {
    const path = join(dir, 'upgrade-meta.db');
    const db = new Database(path);
    migrate(
      db,
      migrations.filter((m) => m.version <= 3),
    );
    const at = Date.UTC(2025, 0, 1);
    db.prepare('INSERT INTO users (id, created_at, last_seen_at) VALUES (?, ?, ?)').run(
      'u',
      at,
      at,
    );
    const graph = JSON.stringify({ nodes: [{ id: 'a', type: 'text', data: {} }], edges: [] });
    const counts = JSON.stringify({ total: 1, success: 1, failed: 0, skipped: 0, canceled: 0 });
    db.prepare(
      `INSERT INTO runs (id, owner_id, graph, status, scope, counts, attempts, created_at)
       VALUES ('r', 'u', ?, 'SUCCESS', 'FULL', ?, 1, ?)`,
    ).run(graph, counts, at);
    db.prepare(
      `INSERT INTO node_results (run_id, node_id, status, output, attempts, started_at, finished_at, seq)
       VALUES ('r', 'a', 'SUCCESS', '{"text":"old"}', 1, ?, ?, 1)`,
    ).run(at, at + 5);
    db.close();

    const upgraded = createSqliteStore({ path });
    const [old] = (await upgraded.getRunDetail('u', 'r'))?.nodeResults ?? [];
    expect(old).toMatchObject({
      nodeId: 'a',
      status: 'SUCCESS',
      output: { text: 'old' },
      startedAt: at,
      finishedAt: at + 5,
    });
    expect(old).not.toHaveProperty('meta');
    const { runId: _, ...result } = old!;
    await upgraded.recordNodeResult('r', {
      ...result,
      nodeId: 'b',
      meta: { provider: 'gemini', model: 'gemini-2.5-flash' },
    });
    const after = await upgraded.getRunDetail('u', 'r');
    expect(after?.nodeResults.map((r) => [r.nodeId, r.meta])).toEqual([
      ['a', undefined],
      ['b', { provider: 'gemini', model: 'gemini-2.5-flash' }],
    ]);
    await upgraded.close();
  });
});

describe('memory store', () => {
  runStoreContract({
    test: it,
    makeStore: ({ now }) => createMemoryStore({ now }),
    files: true,
    usage: true,
  });
});
