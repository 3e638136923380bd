-- Galaxy Flow's initial schema for PostgreSQL (production).
-- Matches prisma/postgres/schema.prisma; the CHECK constraints are extra integrity Prisma does not model.

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workflows" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "tags" TEXT NOT NULL,
    "graph" TEXT NOT NULL,
    "node_count" INTEGER NOT NULL,
    "search" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "workflows_pkey" PRIMARY KEY ("id")
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
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "workflow_versions_pkey" PRIMARY KEY ("workflow_id","version")
);

-- CreateTable
CREATE TABLE "runs" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "workflow_id" TEXT,
    "workflow_version" INTEGER,
    "graph" TEXT,
    "status" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "target_node_ids" TEXT,
    "reuse_run_id" TEXT,
    "counts" TEXT NOT NULL,
    "error" TEXT,
    "external_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMP(3),
    "cancel_requested_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "duration_ms" INTEGER,

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "runs_status_check"
        CHECK ("status" IN ('QUEUED', 'RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'CANCELED')),
    CONSTRAINT "runs_scope_check" CHECK ("scope" IN ('FULL', 'PARTIAL')),
    -- A run executes either a saved workflow version or an ad-hoc graph.
    CONSTRAINT "runs_graph_source" CHECK (("workflow_id" IS NULL) <> ("graph" IS NULL))
);

-- CreateTable
CREATE TABLE "node_results" (
    "seq" SERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "node_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "input" TEXT,
    "output" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "duration_ms" INTEGER,
    "reused" BOOLEAN NOT NULL DEFAULT false,
    "hash" TEXT,
    "skipped_because" TEXT,

    CONSTRAINT "node_results_pkey" PRIMARY KEY ("seq"),
    CONSTRAINT "node_results_status_check"
        CHECK ("status" IN ('RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED'))
);

-- CreateTable
CREATE TABLE "execution_logs" (
    "id" SERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "node_id" TEXT,
    "level" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "metadata" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "execution_logs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "execution_logs_level_check" CHECK ("level" IN ('debug', 'info', 'warn', 'error'))
);

-- CreateTable
CREATE TABLE "run_events" (
    "run_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,

    CONSTRAINT "run_events_pkey" PRIMARY KEY ("run_id","seq")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "owner_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("owner_id","key")
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

-- AddForeignKey
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_reuse_run_id_fkey" FOREIGN KEY ("reuse_run_id") REFERENCES "runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "node_results" ADD CONSTRAINT "node_results_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "execution_logs" ADD CONSTRAINT "execution_logs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
