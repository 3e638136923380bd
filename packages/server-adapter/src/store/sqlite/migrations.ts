import type Database from 'better-sqlite3';
import { hostError } from '../../errors';
import type { Migration } from '../sql/query';

export type { Migration };

/** SQLite's schema changes; `PRAGMA user_version` records the last one applied. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
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
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
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
        created_at INTEGER NOT NULL,
        PRIMARY KEY (workflow_id, version)
      ) WITHOUT ROWID;

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
        lease_owner TEXT,
        lease_expires_at INTEGER,
        cancel_requested_at INTEGER,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        duration_ms INTEGER,
        CHECK ((workflow_id IS NULL) <> (graph IS NULL))
      );
      CREATE INDEX runs_owner_created ON runs (owner_id, created_at DESC, id DESC);
      CREATE INDEX runs_owner_status_created ON runs (owner_id, status, created_at DESC, id DESC);
      CREATE INDEX runs_workflow_created ON runs (workflow_id, created_at DESC, id DESC);
      -- The queue's claim: oldest QUEUED first, and RUNNING rows by lease expiry.
      CREATE INDEX runs_status_claim ON runs (status, lease_expires_at, created_at);

      CREATE TABLE node_results (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED')),
        input TEXT,
        output TEXT,
        error TEXT,
        attempts INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        duration_ms INTEGER,
        reused INTEGER NOT NULL DEFAULT 0,
        hash TEXT,
        skipped_because TEXT,
        seq INTEGER NOT NULL,
        PRIMARY KEY (run_id, node_id)
      ) WITHOUT ROWID;

      CREATE TABLE execution_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT,
        level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
        message TEXT NOT NULL,
        metadata TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX execution_logs_run ON execution_logs (run_id, id);

      CREATE TABLE run_events (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE idempotency_keys (
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (owner_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
    `,
  },
  {
    version: 2,
    name: 'run counters',
    // COUNT(*) over an owner's runs reads every index entry: ~20 ms at 100,000 runs. Triggers
    // keep exact counts per owner, workflow and status, so list totals cost a few rows.
    sql: /* sql */ `
      CREATE TABLE run_counts (
        owner_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (owner_id, workflow_id, status)
      ) WITHOUT ROWID;

      INSERT INTO run_counts (owner_id, workflow_id, status, n)
        SELECT owner_id, COALESCE(workflow_id, ''), status, COUNT(*) FROM runs GROUP BY 1, 2, 3;

      CREATE TRIGGER runs_count_insert AFTER INSERT ON runs BEGIN
        INSERT INTO run_counts (owner_id, workflow_id, status, n)
          VALUES (new.owner_id, COALESCE(new.workflow_id, ''), new.status, 1)
          ON CONFLICT (owner_id, workflow_id, status) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER runs_count_status AFTER UPDATE OF status ON runs
        WHEN old.status <> new.status BEGIN
        UPDATE run_counts SET n = n - 1
          WHERE owner_id = old.owner_id AND workflow_id = COALESCE(old.workflow_id, '')
            AND status = old.status;
        INSERT INTO run_counts (owner_id, workflow_id, status, n)
          VALUES (new.owner_id, COALESCE(new.workflow_id, ''), new.status, 1)
          ON CONFLICT (owner_id, workflow_id, status) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER runs_count_delete AFTER DELETE ON runs BEGIN
        UPDATE run_counts SET n = n - 1
          WHERE owner_id = old.owner_id AND workflow_id = COALESCE(old.workflow_id, '')
            AND status = old.status;
      END;
    `,
  },
  {
    version: 3,
    name: 'run interruptions',
    // `attempts - 1` counted graceful hand-overs (deploys) as interruptions, so a long run
    // failed after a few deploys. Takeovers of expired leases are counted on their own now.
    // Existing runs start at 0: their old count cannot tell crashes from hand-overs.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 4,
    name: 'node result meta',
    // What a node reported about how it got its result (which provider and model answered,
    // the fallbacks tried), as JSON. Results stored before it have none: NULL.
    sql: /* sql */ `
      ALTER TABLE node_results ADD COLUMN meta TEXT;
    `,
  },
  {
    version: 5,
    name: 'node result order index',
    // Each new node result takes the next seq of its run (MAX(seq) + 1), and a run's results
    // are read in seq order: without this index both scan every result of the run, so writing
    // a run of n nodes cost O(n^2) (80 µs a row at 2,000 nodes, blocking the event loop).
    sql: /* sql */ `
      CREATE INDEX node_results_run_seq ON node_results (run_id, seq);
    `,
  },
  {
    version: 6,
    name: 'retention',
    // Retention deletes finished runs oldest first. Deleting a run cascades to its
    // idempotency keys and clears `reuse_run_id` where other runs name it: without these
    // indexes each deleted run would scan both tables.
    sql: /* sql */ `
      CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX runs_reuse ON runs (reuse_run_id);
      CREATE INDEX idempotency_keys_run ON idempotency_keys (run_id);
    `,
  },
  {
    version: 7,
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
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        created_at INTEGER NOT NULL
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
    version: 8,
    name: 'run_traceparent',
    // The W3C traceparent of the request that made a run: the worker continues its trace.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN traceparent TEXT;
    `,
  },
  {
    version: 9,
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
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        calls INTEGER NOT NULL,
        estimated_calls INTEGER NOT NULL,
        PRIMARY KEY (owner_id, day, workflow_key, provider, model)
      );
      CREATE INDEX usage_daily_day ON usage_daily (day);
    `,
  },
  {
    version: 10,
    name: 'run_inputs',
    // Values of the workflow's Input nodes the request gave, as JSON: the worker runs with them.
    sql: /* sql */ `
      ALTER TABLE runs ADD COLUMN inputs TEXT;
    `,
  },
];

/**
 * Applies pending migrations in order, each in its own transaction, and refuses a database
 * written by a newer version of the package (downgrades would corrupt it silently).
 */
export function migrate(db: Database.Database, list: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = list.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw hostError(
      'E_STORE_SCHEMA_TOO_NEW',
      `The database schema is version ${current}, newer than this package knows (${latest}). Upgrade @galaxyflow/server-adapter.`,
      { schemaVersion: current, knownVersion: latest },
    );
  }
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return Math.max(current, latest);
}
