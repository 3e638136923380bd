-- Galaxy Flow's initial schema for SQLite (local development and tests).
-- Matches prisma/sqlite/schema.prisma; the CHECK constraints are extra integrity Prisma does not model.

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "created_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "workflows" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "owner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "tags" TEXT NOT NULL,
    "graph" TEXT NOT NULL,
    "node_count" INTEGER NOT NULL,
    "search" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "deleted_at" DATETIME,
    CONSTRAINT "workflows_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "workflow_versions" (
    "workflow_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "tags" TEXT NOT NULL,
    "graph" TEXT NOT NULL,
    "node_count" INTEGER NOT NULL,
    "edge_count" INTEGER NOT NULL,
    "restored_from" INTEGER,
    "created_at" DATETIME NOT NULL,

    PRIMARY KEY ("workflow_id", "version"),
    CONSTRAINT "workflow_versions_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "owner_id" TEXT NOT NULL,
    "workflow_id" TEXT,
    "workflow_version" INTEGER,
    "graph" TEXT,
    "status" TEXT NOT NULL
        CHECK ("status" IN ('QUEUED', 'RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'CANCELED')),
    "scope" TEXT NOT NULL CHECK ("scope" IN ('FULL', 'PARTIAL')),
    "target_node_ids" TEXT,
    "reuse_run_id" TEXT,
    "counts" TEXT NOT NULL,
    "error" TEXT,
    "external_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_expires_at" DATETIME,
    "cancel_requested_at" DATETIME,
    "created_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "finished_at" DATETIME,
    "duration_ms" INTEGER,
    CONSTRAINT "runs_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "runs_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "runs_reuse_run_id_fkey" FOREIGN KEY ("reuse_run_id") REFERENCES "runs" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    -- A run executes either a saved workflow version or an ad-hoc graph.
    CONSTRAINT "runs_graph_source" CHECK (("workflow_id" IS NULL) <> ("graph" IS NULL))
);

-- CreateTable
CREATE TABLE "node_results" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "run_id" TEXT NOT NULL,
    "node_id" TEXT NOT NULL,
    "status" TEXT NOT NULL
        CHECK ("status" IN ('RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED')),
    "input" TEXT,
    "output" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL,
    "started_at" DATETIME,
    "finished_at" DATETIME,
    "duration_ms" INTEGER,
    "reused" BOOLEAN NOT NULL DEFAULT false,
    "hash" TEXT,
    "skipped_because" TEXT,
    CONSTRAINT "node_results_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "execution_logs" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "run_id" TEXT NOT NULL,
    "node_id" TEXT,
    "level" TEXT NOT NULL CHECK ("level" IN ('debug', 'info', 'warn', 'error')),
    "message" TEXT NOT NULL,
    "metadata" TEXT,
    "at" DATETIME NOT NULL,
    CONSTRAINT "execution_logs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "run_events" (
    "run_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,

    PRIMARY KEY ("run_id", "seq"),
    CONSTRAINT "run_events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "owner_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "expires_at" DATETIME NOT NULL,

    PRIMARY KEY ("owner_id", "key"),
    CONSTRAINT "idempotency_keys_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "idempotency_keys_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "workflows_owner_created" ON "workflows"("owner_id", "deleted_at", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_owner_created" ON "runs"("owner_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_owner_status_created" ON "runs"("owner_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_workflow_created" ON "runs"("workflow_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_status_claim" ON "runs"("status", "lease_expires_at", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "node_results_run_node" ON "node_results"("run_id", "node_id");

-- CreateIndex
CREATE INDEX "execution_logs_run" ON "execution_logs"("run_id", "id");

-- CreateIndex
CREATE INDEX "idempotency_keys_expires" ON "idempotency_keys"("expires_at");
