-- The Clerk profile on each user (copied at sign-in), each node result's node type with an index
-- for a run's results by status, and the Trigger.dev run id unique so a Trigger.dev run leads
-- back to exactly one Galaxy run. Rows from before have NULL in the new columns.
ALTER TABLE "users" ADD COLUMN "email" TEXT;
ALTER TABLE "users" ADD COLUMN "name" TEXT;
ALTER TABLE "users" ADD COLUMN "avatar_url" TEXT;
ALTER TABLE "users" ADD COLUMN "profile_session_id" TEXT;
ALTER TABLE "users" ADD COLUMN "profile_updated_at" DATETIME;

ALTER TABLE "node_results" ADD COLUMN "node_type" TEXT;

CREATE INDEX "node_results_run_status" ON "node_results"("run_id", "status");

CREATE UNIQUE INDEX "runs_external_id" ON "runs"("external_id");
