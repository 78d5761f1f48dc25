ALTER TABLE "snapshots" ADD COLUMN "statuses" jsonb;--> statement-breakpoint
-- Backfill every evaluated snapshot from its control results before the index is built.
UPDATE "snapshots" SET "statuses" = coalesce((SELECT jsonb_object_agg(cr."control_id", cr."status") FROM "control_results" cr WHERE cr."snapshot_id" = "snapshots"."id"), '{}'::jsonb) WHERE "status" = 'evaluated';--> statement-breakpoint
CREATE INDEX "snapshots_team_evaluated_idx" ON "snapshots" USING btree ("team_id","observed_at","workload","environment","id","statuses") WHERE "snapshots"."status" = 'evaluated';--> statement-breakpoint
-- Every snapshot has one result per control (fifteen): without this, ANALYZE's sample of a large
-- table guesses a few hundred rows per snapshot id, and plans that look up results get costed
-- high enough to be JIT-compiled, which costs more than the query.
ALTER TABLE "control_results" ALTER COLUMN "snapshot_id" SET (n_distinct = -0.0667);
