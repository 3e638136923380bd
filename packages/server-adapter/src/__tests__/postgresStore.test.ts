import { type AddressInfo, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../store/postgres/index';
import { migratePostgres, postgresMigrations } from '../store/postgres/migrations';
import type { CreateRunInput } from '../store/types';
import { runStoreContract } from '../testing/storeContract/index';
import { startTestPostgres, type TestPostgres } from './support/postgres';

let server: TestPostgres;
/** A database at the latest schema, copied for each test so none starts with another's rows. */
let template: string;

beforeAll(async () => {
  server = await startTestPostgres();
  const url = await server.createDatabase();
  await (await createPostgresStore({ connectionString: url })).close();
  template = server.nameOf(url);
}, 90_000);

afterAll(async () => {
  await server?.destroy();
});

const adHoc: CreateRunInput = {
  workflowId: null,
  workflowVersion: null,
  graph: { nodes: [{ id: 'a', type: 'text', data: {} }], edges: [] },
  scope: 'FULL',
  targetNodeIds: null,
  reuseRunId: null,
};

async function freshStore(options: { now?: () => number; max?: number } = {}) {
  const connectionString = await server.createDatabase(template);
  return createPostgresStore({ connectionString, ...options });
}

describe('Postgres store', () => {
  runStoreContract({
    test: it,
    makeStore: ({ now }) => freshStore({ now, max: 4 }),
    files: true,
    usage: true,
  });
});

describe('Postgres store migrations', () => {
  it('applies each migration once when several instances start at once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => createPostgresStore({ connectionString: url, max: 2 })),
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM galaxy_migrations ORDER BY 1');
      expect(rows.map((row) => row.version)).toEqual(postgresMigrations.map((m) => m.version));
      // Every instance works on the one schema.
      await stores[0]!.ensureUser('u');
      expect((await stores[5]!.createWorkflow('u', content('Shared'))).name).toBe('Shared');
    } finally {
      await client.end();
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a database written by a newer schema, and leaves it alone', async () => {
    const url = await server.createDatabase(template);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      "INSERT INTO galaxy_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
    );
    await client.end();
    await expect(createPostgresStore({ connectionString: url })).rejects.toMatchObject({
      code: 'E_STORE_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/newer than this package knows/),
    });
  });

  it('rolls a failing migration back whole: no table, no version recorded', async () => {
    const url = await server.createDatabase(template);
    const latest = postgresMigrations.at(-1)!.version;
    const broken = [
      ...postgresMigrations,
      {
        version: latest + 1,
        name: 'broken',
        sql: 'CREATE TABLE extra (id TEXT); SELECT * FROM missing;',
      },
    ];
    await expect(
      createPostgresStore({ connectionString: url, migrations: broken }),
    ).rejects.toThrow(/relation "missing" does not exist/);
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect(await migratePostgres(pool)).toBe(latest);
      const { rows } = await pool.query("SELECT to_regclass('extra') AS extra");
      expect(rows[0].extra).toBeNull();
    } finally {
      await pool.end();
    }
  });
});

describe('Postgres store that cannot reach its database', () => {
  it('fails to open with E_STORE_UNAVAILABLE, naming the cause', async () => {
    // A loopback port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const opening = createPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/galaxy`,
      connectionTimeoutMs: 1_000,
    });
    await expect(opening).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      message: expect.stringMatching(/cannot be reached \(connect ECONNREFUSED/),
    });
  });
});

describe('Postgres store on a pool the host owns', () => {
  it('uses the pool and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: await server.createDatabase(template), max: 3 });
    try {
      const store = await createPostgresStore({ pool });
      expect(store.pool).toBe(pool);
      await store.ensureUser('u');
      await store.checkWritable();
      await store.close();
      // The pool still answers, and the write probe left no row.
      const { rows } = await pool.query('SELECT id FROM users');
      expect(rows).toEqual([{ id: 'u' }]);
      // The store itself is done: it says so instead of using a pool it no longer owns.
      await expect(store.getRun('u', 'r')).rejects.toMatchObject({ code: 'E_STORE_CLOSED' });
      await store.close();
    } finally {
      await pool.end();
    }
  });
});

describe('Postgres store shared by several instances', () => {
  /** `n` stores on one database, each with its own pool, as separate processes would have. */
  async function instances(n: number): Promise<PostgresStore[]> {
    const url = await server.createDatabase(template);
    return Promise.all(
      Array.from({ length: n }, () => createPostgresStore({ connectionString: url, max: 3 })),
    );
  }

  it('workers claiming at once never hold one run twice, and keep the per-owner cap', async () => {
    const stores = await instances(4);
    try {
      const [api] = stores as [PostgresStore];
      const owners = ['alice', 'bob', 'carol'];
      for (const owner of owners) await api.ensureUser(owner);
      const created: string[] = [];
      for (let i = 0; i < 30; i++) {
        const result = await api.createRun(owners[i % 3]!, adHoc);
        if (result.ok) created.push(result.run.id);
      }
      const claimed: string[] = [];
      // 12 workers over 4 instances race for runs with a cap of 2 RUNNING per owner.
      await Promise.all(
        Array.from({ length: 12 }, async (_, w) => {
          const store = stores[w % stores.length]!;
          for (;;) {
            const claim = await store.claimRun({
              workerId: `w${w}`,
              leaseMs: 60_000,
              maxRunningPerOwner: 2,
            });
            if (!claim) return;
            claimed.push(claim.run.id);
          }
        }),
      );
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed).toHaveLength(6);
      for (const owner of owners) {
        const running = await api.listRuns(owner, { page: 1, limit: 100, status: 'RUNNING' });
        expect(running.total, owner).toBe(2);
      }
      // Without a cap the rest go, each once.
      const rest = await Promise.all(
        Array.from({ length: 30 }, (_, w) =>
          stores[w % stores.length]!.claimRun({ workerId: `x${w}`, leaseMs: 60_000 }),
        ),
      );
      const all = [...claimed, ...rest.flatMap((c) => (c ? [c.run.id] : []))];
      expect(all.sort()).toEqual([...created].sort());
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('one Idempotency-Key sent to several instances at once makes one run', async () => {
    const stores = await instances(4);
    try {
      await stores[0]!.ensureUser('alice');
      const idempotency = { key: 'same-key', requestHash: 'h', ttlMs: 60_000 };
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          stores[i % stores.length]!.createRun('alice', { ...adHoc, idempotency }),
        ),
      );
      const ids = new Set(results.map((r) => (r.ok ? r.run.id : r.runId)));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
      expect((await stores[1]!.listRuns('alice', { page: 1, limit: 10 })).total).toBe(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('events appended by several instances at once are numbered without gaps or repeats', async () => {
    const stores = await instances(3);
    try {
      await stores[0]!.ensureUser('alice');
      const created = await stores[0]!.createRun('alice', adHoc);
      if (!created.ok) throw new Error('not created');
      const runId = created.run.id;
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          stores[i % stores.length]!.appendRunEvents(runId, [
            { type: 'log', runId, at: i, entry: { at: i, level: 'info', message: `m${i}` } },
            { type: 'log', runId, at: i, entry: { at: i, level: 'info', message: `n${i}` } },
          ]),
        ),
      );
      const events = await stores[2]!.listRunEvents(runId, 0);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      // Each call's two events stay next to each other.
      for (let i = 0; i < 60; i += 2) {
        const [a, b] = [events[i]!.event, events[i + 1]!.event] as { entry: { message: string } }[];
        expect(b!.entry.message).toBe(`n${a!.entry.message.slice(1)}`);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

function content(name: string) {
  return { name, description: '', tags: [], nodes: [], edges: [] };
}
