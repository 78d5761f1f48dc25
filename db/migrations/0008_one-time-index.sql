-- One index for a team's uploads in time (listing, read backwards, and trends, which it covers)
-- instead of two: each upload adds one entry fewer. Built before the old ones go.
CREATE INDEX "snapshots_team_time_idx" ON "snapshots" USING btree ("team_id","observed_at","id","workload","environment","evaluation_id");--> statement-breakpoint
DROP INDEX "snapshots_team_observed_idx";--> statement-breakpoint
DROP INDEX "snapshots_team_evaluated_idx";
