-- Store each thing once: artifact texts per distinct content (contents), artifact lists per
-- distinct set (artifact_sets), verdicts per set, context and engine version (evaluations).
-- Existing data moves in set-based statements (the server sorts and spills; nothing is held in
-- the migrating process): every snapshot gets the set of its artifacts, every evaluated snapshot
-- an evaluation of its own (id = the snapshot's id, so its result rows only change their key),
-- and the verdict moves off the snapshot row onto the evaluation it shares.
CREATE TABLE "artifact_sets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"hash" text NOT NULL,
	"artifacts" jsonb NOT NULL,
	"redactions" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contents" (
	"team_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"content" text NOT NULL,
	"size" integer NOT NULL,
	CONSTRAINT "contents_team_id_sha256_pk" PRIMARY KEY("team_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"set_id" uuid NOT NULL,
	"engine_version" text NOT NULL,
	"context_hash" text NOT NULL,
	"context" jsonb NOT NULL,
	"statuses" jsonb NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TEMP TABLE "migrating_artifacts" ON COMMIT DROP AS
SELECT a."snapshot_id", a."position", a."kind", a."name", a."size",
	encode(sha256(convert_to(a."content", 'UTF8')), 'hex') AS "sha256"
FROM "artifacts" a;
--> statement-breakpoint
INSERT INTO "contents" ("team_id", "sha256", "content", "size")
SELECT DISTINCT ON (s."team_id", m."sha256") s."team_id", m."sha256", a."content", a."size"
FROM "migrating_artifacts" m
JOIN "artifacts" a ON a."snapshot_id" = m."snapshot_id" AND a."position" = m."position"
JOIN "snapshots" s ON s."id" = m."snapshot_id"
ORDER BY s."team_id", m."sha256";
--> statement-breakpoint
CREATE TEMP TABLE "migrating_sets" ON COMMIT DROP AS
SELECT s."id" AS "snapshot_id", s."team_id", s."received_at",
	encode(sha256(convert_to(coalesce(string_agg(
		encode(sha256(convert_to(m."kind", 'UTF8')), 'hex') || ':' || encode(sha256(convert_to(m."name", 'UTF8')), 'hex') || ':' || m."sha256",
		',' ORDER BY m."position"), ''), 'UTF8')), 'hex') AS "hash",
	coalesce(jsonb_agg(jsonb_build_object('kind', m."kind", 'name', m."name", 'size', m."size", 'sha256', m."sha256") ORDER BY m."position")
		FILTER (WHERE m."snapshot_id" IS NOT NULL), '[]'::jsonb) AS "artifacts"
FROM "snapshots" s
LEFT JOIN "migrating_artifacts" m ON m."snapshot_id" = s."id"
GROUP BY s."id", s."team_id", s."received_at";
--> statement-breakpoint
INSERT INTO "artifact_sets" ("id", "team_id", "hash", "artifacts", "redactions", "created_at")
SELECT DISTINCT ON ("team_id", "hash") "snapshot_id", "team_id", "hash", "artifacts", NULL, "received_at"
FROM "migrating_sets"
ORDER BY "team_id", "hash", "received_at", "snapshot_id";
--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "set_id" uuid;--> statement-breakpoint
UPDATE "snapshots" s SET "set_id" = a."id"
FROM "migrating_sets" m JOIN "artifact_sets" a ON a."team_id" = m."team_id" AND a."hash" = m."hash"
WHERE m."snapshot_id" = s."id";
--> statement-breakpoint
ALTER TABLE "snapshots" ALTER COLUMN "set_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "evaluation_id" uuid;--> statement-breakpoint
INSERT INTO "evaluations" ("id", "team_id", "set_id", "engine_version", "context_hash", "context", "statuses", "evaluated_at")
SELECT s."id", s."team_id", s."set_id", coalesce(s."engine_version", ''), 'migrated:' || s."id"::text,
	jsonb_build_object('workload', s."workload", 'environment', s."environment", 'history', '[]'::jsonb), coalesce(s."statuses", '{}'::jsonb),
	coalesce(s."evaluated_at", s."received_at")
FROM "snapshots" s WHERE s."status" = 'evaluated';
--> statement-breakpoint
UPDATE "snapshots" SET "evaluation_id" = "id" WHERE "status" = 'evaluated';--> statement-breakpoint
DROP INDEX "snapshots_team_evaluated_idx";--> statement-breakpoint
ALTER TABLE "snapshots" DROP COLUMN "statuses";--> statement-breakpoint
CREATE INDEX "snapshots_team_evaluated_idx" ON "snapshots" USING btree ("team_id","observed_at","workload","environment","id","evaluation_id") WHERE "snapshots"."status" = 'evaluated';--> statement-breakpoint
ALTER TABLE "control_results" DROP CONSTRAINT "control_results_snapshot_id_snapshots_id_fk";--> statement-breakpoint
DELETE FROM "control_results" c WHERE NOT EXISTS (SELECT 1 FROM "evaluations" e WHERE e."id" = c."snapshot_id");--> statement-breakpoint
ALTER TABLE "control_results" RENAME COLUMN "snapshot_id" TO "evaluation_id";--> statement-breakpoint
ALTER TABLE "control_results" DROP CONSTRAINT "control_results_snapshot_id_control_id_pk";--> statement-breakpoint
ALTER TABLE "control_results" ADD CONSTRAINT "control_results_evaluation_id_control_id_pk" PRIMARY KEY("evaluation_id","control_id");--> statement-breakpoint
DROP TABLE "artifacts" CASCADE;--> statement-breakpoint
ALTER TABLE "artifact_sets" ADD CONSTRAINT "artifact_sets_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contents" ADD CONSTRAINT "contents_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_set_id_artifact_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."artifact_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifact_sets_team_hash_idx" ON "artifact_sets" USING btree ("team_id","hash");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluations_set_idx" ON "evaluations" USING btree ("set_id","engine_version","context_hash");--> statement-breakpoint
CREATE INDEX "evaluations_version_idx" ON "evaluations" USING btree ("engine_version");--> statement-breakpoint
CREATE INDEX "evaluations_team_idx" ON "evaluations" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "snapshots_evaluation_idx" ON "snapshots" USING btree ("evaluation_id");--> statement-breakpoint
ALTER TABLE "control_results" ADD CONSTRAINT "control_results_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_set_id_artifact_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."artifact_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE no action ON UPDATE no action;
