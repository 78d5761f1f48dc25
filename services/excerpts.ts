/**
 * Excerpts for findings that carry none: findings stored before the engine kept excerpts, and
 * passing ones, read from the stored (redacted) artifacts while their texts are kept. Findings made
 * since carry their excerpt (workers/engine/excerpts.ts), which outlives the texts; this is the
 * fallback for older rows.
 */
import type { Db } from '../db/client.ts';
import { findSetArtifacts } from '../db/queries/artifact-sets.ts';
import { findSnapshot } from '../db/queries/snapshots.ts';
import { excerptSource } from '../workers/engine/excerpts.ts';
import type { Excerpt } from '../workers/model/result.ts';

export type { Excerpt };

/** A read for a page may take the time a report takes: texts up to the resolver's own limit. */
const READ_TIME = { maxResolvedChars: 4 * 1024 * 1024 };

/** The excerpt of one location in one artifact's text, or null when it cannot be shown. */
export function excerptOf(content: string, location: string): Excerpt | null {
  return excerptSource(new Map([['', content]]), READ_TIME)('', location);
}

export const excerptKey = (artifact: string, location: string): string => `${artifact}\u0000${location}`;

/**
 * Excerpts for the findings of one snapshot that carry none, by excerptKey; one read of its
 * artifacts, and none when every finding carries its own.
 */
export async function loadExcerpts(
  db: Db,
  snapshotId: string,
  findings: readonly { artifact: string; location: string; excerpt?: Excerpt | undefined }[],
): Promise<Map<string, Excerpt>> {
  const out = new Map<string, Excerpt>();
  const missing = findings.filter((f) => !f.excerpt && f.location !== '');
  if (missing.length === 0) return out;
  const artifacts = await artifactTexts(db, snapshotId);
  // A text removed by retention (RETAIN_ARTIFACTS_DAYS) has no excerpt: the page shows the location.
  const excerpt = excerptSource(artifacts, READ_TIME);
  for (const f of missing) {
    const key = excerptKey(f.artifact, f.location);
    if (out.has(key)) continue;
    const e = excerpt(f.artifact, f.location);
    if (e) out.set(key, e);
  }
  return out;
}

/** The stored (redacted) texts of a snapshot's artifacts by name, for reports that place findings in them. */
export async function artifactTexts(db: Db, snapshotId: string): Promise<Map<string, string>> {
  const row = await findSnapshot(db, snapshotId);
  const files = row ? await findSetArtifacts(db, row.setId) : [];
  return new Map(files.flatMap((a) => (a.content === null ? [] : [[a.name, a.content] as const])));
}
