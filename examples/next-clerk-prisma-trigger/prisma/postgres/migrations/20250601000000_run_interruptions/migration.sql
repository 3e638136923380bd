-- Takeovers of expired leases, counted apart from claims: `attempts - 1` also counted
-- graceful hand-overs (deploys), so a long run failed E_RUN_INTERRUPTED after a few deploys.
-- Existing runs start at 0: their old count cannot tell crashes from hand-overs.
ALTER TABLE "runs" ADD COLUMN "interruptions" INTEGER NOT NULL DEFAULT 0;
