/**
 * The source behind a finding: the stored artifact's lines around `line N`, or the value a JSON
 * pointer names. Findings carry only their location; the artifacts are stored as uploaded (after
 * secret redaction), so the excerpt is read from them when a page asks. Locations of other shapes
 * (YAML paths) have no excerpt: the page shows the location alone.
 */
import type { Db } from '../db/client.ts';
import { findSetArtifacts } from '../db/queries/artifact-sets.ts';
import { findSnapshot } from '../db/queries/snapshots.ts';

/** Characters kept of one line or value. */
const MAX_CHARS = 240;

export type Excerpt =
  | { type: 'lines'; lines: { n: number; text: string; hit: boolean }[] }
  | { type: 'value'; key: string; value: string };

const clip = (s: string): string => (s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS - 1)}…` : s);

/** The excerpt of one location in one artifact's text, or null when it cannot be shown. */
export function excerptOf(content: string, location: string): Excerpt | null {
  const line = /^line (\d+)$/.exec(location);
  if (line) {
    const n = Number(line[1]);
    const all = content.split(/\r?\n/);
    if (n < 1 || n > all.length) return null;
    const from = Math.max(1, n - 1);
    const to = Math.min(all.length, n + 1);
    const lines = [];
    for (let i = from; i <= to; i++) lines.push({ n: i, text: clip(all[i - 1] ?? ''), hit: i === n });
    return { type: 'lines', lines };
  }
  if (location.startsWith('/')) {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      return null;
    }
    const keys = location.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    for (const k of keys) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, k)) {
        value = undefined;
        break;
      }
      value = (value as Record<string, unknown>)[k];
    }
    return { type: 'value', key: keys[keys.length - 1] ?? '', value: value === undefined ? '' : clip(JSON.stringify(value)) };
  }
  return null;
}

export const excerptKey = (artifact: string, location: string): string => `${artifact}\u0000${location}`;

/** Excerpts for the findings of one snapshot, by excerptKey; one read of its artifacts. */
export async function loadExcerpts(db: Db, snapshotId: string, findings: readonly { artifact: string; location: string }[]): Promise<Map<string, Excerpt>> {
  const out = new Map<string, Excerpt>();
  if (findings.length === 0) return out;
  const row = await findSnapshot(db, snapshotId);
  // A text removed by retention (RETAIN_ARTIFACTS_DAYS) has no excerpt: the page shows the location.
  const files = row ? await findSetArtifacts(db, row.setId) : [];
  const artifacts = new Map(files.flatMap((a) => (a.content === null ? [] : [[a.name, a.content] as const])));
  for (const f of findings) {
    const key = excerptKey(f.artifact, f.location);
    if (out.has(key)) continue;
    const content = artifacts.get(f.artifact);
    const excerpt = content === undefined ? null : excerptOf(content, f.location);
    if (excerpt) out.set(key, excerpt);
  }
  return out;
}
