-- Values of the workflow's Input nodes the request gave, as JSON: the worker (a Trigger.dev task
-- in another process) runs with them. Null for runs made before, or without inputs.
ALTER TABLE "runs" ADD COLUMN "inputs" TEXT;
