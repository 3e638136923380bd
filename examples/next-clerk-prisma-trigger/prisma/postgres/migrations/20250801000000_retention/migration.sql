-- Retention deletes finished runs oldest first, and the run detail reads a run's node results
-- a page at a time in start order. Deleting a run cascades to its idempotency keys and clears
-- "reuse_run_id" where other runs name it: without these indexes each deleted run would scan
-- both tables.
CREATE INDEX "runs_finished" ON "runs"("finished_at");

CREATE INDEX "runs_reuse" ON "runs"("reuse_run_id");

CREATE INDEX "node_results_run_seq" ON "node_results"("run_id", "seq");

CREATE INDEX "idempotency_keys_run" ON "idempotency_keys"("run_id");
