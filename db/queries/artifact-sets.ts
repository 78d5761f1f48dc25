/**
 * Artifact texts and artifact sets, each stored once per team: `contents` by the SHA-256 of the
 * (redacted) text, `artifact_sets` by a hash over the kinds, names and contents in upload order.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { SnapshotRedactions } from '../../workers/redact/index.ts';
import { withoutNul } from '../json.ts';
import { artifactSets, contents, type SetArtifact } from '../schema.ts';

export type ArtifactSetRow = typeof artifactSets.$inferSelect;

/** A stored artifact with its text, in upload order. */
export interface StoredArtifact extends SetArtifact {
  position: number;
  /** Null when retention removed the text (RETAIN_ARTIFACTS_DAYS). */
  content: string | null;
}

/** Stores texts the team does not have yet; those it has are left as they are (same hash, same text). */
export async function insertContents(db: Db, teamId: string, texts: readonly { sha256: string; content: string; size: number }[]): Promise<void> {
  if (texts.length === 0) return;
  const unique = [...new Map(texts.map((t) => [t.sha256, t])).values()];
  await db
    .insert(contents)
    .values(unique.map((t) => ({ teamId, sha256: t.sha256, content: t.content, size: t.size })))
    .onConflictDoNothing();
}

/** The team's set with this hash, created when new. */
export async function findOrCreateArtifactSet(
  db: Db,
  set: { id: string; teamId: string; hash: string; artifacts: SetArtifact[]; redactions: SnapshotRedactions | null; createdAt: Date },
): Promise<ArtifactSetRow> {
  const inserted = await db
    .insert(artifactSets)
    .values({ ...set, artifacts: set.artifacts.map((a) => ({ ...a, name: withoutNul(a.name) })) })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return inserted[0];
  const found = await db
    .select()
    .from(artifactSets)
    .where(and(eq(artifactSets.teamId, set.teamId), eq(artifactSets.hash, set.hash)))
    .limit(1);
  if (!found[0]) throw new Error(`artifact set ${set.hash} neither inserted nor found`);
  return found[0];
}

export async function findArtifactSets(db: Db, ids: readonly string[]): Promise<ArtifactSetRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(artifactSets).where(inArray(artifactSets.id, [...new Set(ids)]));
}

/** A set's artifacts with their texts, in upload order. */
export async function findSetArtifacts(db: Db, setId: string): Promise<StoredArtifact[]> {
  const rows = await db
    .select({
      position: sql<number>`(a.ordinality - 1)::int`,
      kind: sql<string>`a.item->>'kind'`,
      name: sql<string>`a.item->>'name'`,
      size: sql<number>`(a.item->>'size')::int`,
      sha256: sql<string>`a.item->>'sha256'`,
      content: contents.content,
    })
    .from(sql`${artifactSets} cross join lateral jsonb_array_elements(${artifactSets.artifacts}) with ordinality as a(item, ordinality)`)
    .leftJoin(contents, and(eq(contents.teamId, artifactSets.teamId), eq(contents.sha256, sql`a.item->>'sha256'`)))
    .where(eq(artifactSets.id, setId))
    .orderBy(asc(sql`a.ordinality`));
  return rows;
}

/**
 * Deletes the artifact texts that no snapshot observed since `cutoff` refers to (nor any pending
 * snapshot, which still needs them). Artifact sets keep their kinds, names, sizes and hashes, and
 * verdicts and findings stay: only the texts go. Returns how many texts were deleted.
 */
export async function deleteContentsNotReferencedSince(db: Db, cutoff: Date): Promise<number> {
  const result = await db.execute(sql`
    with kept_sets as (
      select distinct set_id from snapshots where observed_at >= ${cutoff.toISOString()}::timestamptz or status = 'pending'
    ),
    kept as (
      select distinct a.team_id, x.item->>'sha256' as sha256
      from artifact_sets a join kept_sets k on k.set_id = a.id
      cross join lateral jsonb_array_elements(a.artifacts) as x(item)
    ),
    gone as (
      delete from contents c
      where not exists (select 1 from kept k where k.team_id = c.team_id and k.sha256 = c.sha256)
      returning 1
    )
    select count(*)::int as deleted from gone`);
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown }).rows;
  const first = Array.isArray(rows) ? (rows[0] as { deleted?: unknown } | undefined) : undefined;
  return Number(first?.deleted ?? 0);
}
