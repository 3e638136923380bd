-- What a node reported about how it got its result (which provider and model answered an llm
-- node, the fallbacks tried), as JSON text like the table's other payloads. Results stored
-- before it have none: NULL.
ALTER TABLE "node_results" ADD COLUMN "meta" TEXT;
