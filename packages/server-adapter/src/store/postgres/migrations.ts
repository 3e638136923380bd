import type { Pool } from 'pg';
import { hostError } from '../../errors';
import type { Migration } from '../sql/query';

/** Postgres's schema changes; the table `galaxy_migrations` records each one applied. */
export type PostgresMigration = Migration;

/**
 * The columns and their meaning are SQLite's (so both stores share their SQL and row
 * mappers): epoch ms in BIGINT, JSON as text exactly as written. The run counters are kept by
 * a trigger; it takes a run's two counters in status order, so two transactions moving runs
 * between statuses never wait on each other in a cycle.
 */
export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
      );

      CREATE TABLE workflows (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        graph TEXT NOT NULL,
        node_count INTEGER NOT NULL,
        version INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        deleted_at BIGINT
      );
      CREATE INDEX workflows_owner_created ON workflows (owner_id, created_at DESC, id DESC)
        WHERE deleted_at IS NULL;

      CREATE TABLE workflow_versions (
        workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        graph TEXT NOT NULL,
        node_count INTEGER NOT NULL,
        edge_count INTEGER NOT NULL,
        restored_from INTEGER,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (workflow_id, version)
      );

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workflow_id TEXT REFERENCES workflows(id) ON DELETE CASCADE,
        workflow_version INTEGER,
        graph TEXT,
        status TEXT NOT NULL
          CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'CANCELED')),
        scope TEXT NOT NULL CHECK (scope IN ('FULL', 'PARTIAL')),
        target_node_ids TEXT,
        reuse_run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        counts TEXT NOT NULL,
        error TEXT,
        external_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        interruptions INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        cancel_requested_at BIGINT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        duration_ms DOUBLE PRECISION,
        CHECK ((workflow_id IS NULL) <> (graph IS NULL))
      );
      CREATE INDEX runs_owner_created ON runs (owner_id, created_at DESC, id DESC);
      CREATE INDEX runs_owner_status_created ON runs (owner_id, status, created_at DESC, id DESC);
      CREATE INDEX runs_workflow_created ON runs (workflow_id, created_at DESC, id DESC);
      -- The claim: QUEUED rows by owner and age, and RUNNING rows by lease expiry.
      CREATE INDEX runs_status_claim ON runs (status, lease_expires_at, created_at);
      CREATE INDEX runs_queued_owner ON runs (owner_id, created_at) WHERE status = 'QUEUED';
      CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX runs_reuse ON runs (reuse_run_id) WHERE reuse_run_id IS NOT NULL;

      CREATE TABLE node_results (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED')),
        input TEXT,
        output TEXT,
        error TEXT,
        attempts INTEGER NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        duration_ms DOUBLE PRECISION,
        reused BOOLEAN NOT NULL DEFAULT FALSE,
        hash TEXT,
        skipped_because TEXT,
        meta TEXT,
        seq INTEGER NOT NULL,
        PRIMARY KEY (run_id, node_id)
      );
      CREATE INDEX node_results_run_seq ON node_results (run_id, seq);

      CREATE TABLE execution_logs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT,
        level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
        message TEXT NOT NULL,
        metadata TEXT,
        at BIGINT NOT NULL
      );
      CREATE INDEX execution_logs_run ON execution_logs (run_id, id);

      CREATE TABLE run_events (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE idempotency_keys (
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (owner_id, key)
      );
      CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
      CREATE INDEX idempotency_keys_run ON idempotency_keys (run_id);

      -- COUNT(*) over an owner's runs reads every index entry; the counters make list totals
      -- cost a few rows. workflow_id is '' for runs of unsaved graphs.
      CREATE TABLE run_counts (
        owner_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        status TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (owner_id, workflow_id, status)
      );

      CREATE FUNCTION galaxy_count_run() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO run_counts (owner_id, workflow_id, status, n)
            VALUES (NEW.owner_id, COALESCE(NEW.workflow_id, ''), NEW.status, 1)
            ON CONFLICT (owner_id, workflow_id, status) DO UPDATE SET n = run_counts.n + 1;
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE run_counts SET n = n - 1
            WHERE owner_id = OLD.owner_id AND workflow_id = COALESCE(OLD.workflow_id, '')
              AND status = OLD.status;
        ELSIF OLD.status < NEW.status THEN
          UPDATE run_counts SET n = n - 1
            WHERE owner_id = OLD.owner_id AND workflow_id = COALESCE(OLD.workflow_id, '')
              AND status = OLD.status;
          INSERT INTO run_counts (owner_id, workflow_id, status, n)
            VALUES (NEW.owner_id, COALESCE(NEW.workflow_id, ''), NEW.status, 1)
            ON CONFLICT (owner_id, workflow_id, status) DO UPDATE SET n = run_counts.n + 1;
        ELSIF OLD.status > NEW.status THEN
          INSERT INTO run_counts (owner_id, workflow_id, status, n)
            VALUES (NEW.owner_id, COALESCE(NEW.workflow_id, ''), NEW.status, 1)
            ON CONFLICT (owner_id, workflow_id, status) DO UPDATE SET n = run_counts.n + 1;
          UPDATE run_counts SET n = n - 1
            WHERE owner_id = OLD.owner_id AND workflow_id = COALESCE(OLD.workflow_id, '')
              AND status = OLD.status;
        END IF;
        RETURN NULL;
      END
      $$;

      CREATE TRIGGER runs_count AFTER INSERT OR DELETE OR UPDATE OF status ON runs
        FOR EACH ROW EXECUTE FUNCTION galaxy_count_run();
    `,
  },
  {
    version: 2,
    name: 'files',
    // Files and who refers to them. A reference goes with the workflow or run holding it;
    // deleting a file removes its references (its owner chose to). Retention reads files by
    // age, and each file's references by file id.
    sql: /* sql */ `
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX files_owner_created ON files (owner_id, created_at);
      CREATE INDEX files_created ON files (created_at);
      CREATE INDEX files_sha256 ON files (sha256);
      CREATE TABLE workflow_file_refs (
        workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        PRIMARY KEY (workflow_id, file_id)
      );
      CREATE INDEX workflow_file_refs_file ON workflow_file_refs (file_id);
      CREATE TABLE run_file_refs (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        PRIMARY KEY (run_id, file_id)
      );
      CREATE INDEX run_file_refs_file ON run_file_refs (file_id);
    `,
  },
  {
    version: 3,
    name: 'run_traceparent',
    // The W3C traceparent of the request that made a run: the worker continues its trace.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN traceparent TEXT;
    `,
  },
  {
    version: 4,
    name: 'usage_ledger',
    // The token and cost ledger: totals per owner, UTC day, workflow ('' for unsaved graphs)
    // and model, added to in the transaction that writes a node result, once per run and node
    // (`usage_counted`, which goes with its run). The totals outlive runs and workflows. A run's
    // own sum is kept on its row when it ends.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN usage TEXT;
      CREATE TABLE usage_counted (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        PRIMARY KEY (run_id, node_id)
      );
      CREATE TABLE usage_daily (
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        workflow_key TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens BIGINT NOT NULL,
        output_tokens BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        calls BIGINT NOT NULL,
        estimated_calls BIGINT NOT NULL,
        PRIMARY KEY (owner_id, day, workflow_key, provider, model)
      );
      CREATE INDEX usage_daily_day ON usage_daily (day);
    `,
  },
  {
    version: 5,
    name: 'run_inputs',
    // Values of the workflow's Input nodes the request gave, as JSON: the worker runs with them.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN inputs TEXT;
    `,
  },
];

/** The first key of every advisory lock the store takes: "GFLW". */
export const LOCK_NAMESPACE = 0x47464c57;
/** The second key of the lock migrations run under. */
const MIGRATION_LOCK = 0;

/**
 * Applies pending migrations in one transaction under an advisory lock, so instances that
 * start together apply each migration once (the others wait, then find nothing to do); and
 * refuses a database written by a newer version of the package.
 */
export async function migratePostgres(
  pool: Pool,
  list: readonly PostgresMigration[] = postgresMigrations,
): Promise<number> {
  const latest = list.reduce((max, m) => Math.max(max, m.version), 0);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS galaxy_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT COALESCE(MAX(version), 0)::int AS version FROM galaxy_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > latest) {
      throw hostError(
        'E_STORE_SCHEMA_TOO_NEW',
        `The database schema is version ${current}, newer than this package knows (${latest}). Upgrade @galaxyflow/server-adapter.`,
        { schemaVersion: current, knownVersion: latest },
      );
    }
    for (const migration of [...list].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO galaxy_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, Date.now()],
      );
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
