-- The W3C traceparent of the request that made a run: the worker (a Trigger.dev task in another
-- process) continues that trace. Null for runs made before, or by requests without a trace.
ALTER TABLE "runs" ADD COLUMN "traceparent" TEXT;
