/**
 * The source behind a finding: the stored artifact's lines around `line N` or around the line a
 * YAML path names, or the value a JSON pointer names. Findings carry only their location; the
 * artifacts are stored as uploaded (after secret redaction), so the excerpt is read from them when
 * a page or report asks, capped, and never more than the redacted text holds.
 */
import type { Db } from '../db/client.ts';
import { findSetArtifacts } from '../db/queries/artifact-sets.ts';
import { findSnapshot } from '../db/queries/snapshots.ts';
import { lineResolver } from '../workers/report/source-lines.ts';

/** Characters kept of one line or value. */
const MAX_CHARS = 240;

export type Excerpt =
  | { type: 'lines'; lines: { n: number; text: string; hit: boolean }[] }
  | { type: 'value'; key: string; value: string };

const clip = (s: string): string => (s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS - 1)}…` : s);

/** The lines around line `n` (one either side), the line itself marked. */
function linesAround(content: string, n: number): Excerpt | null {
  const all = content.split(/\r?\n/);
  if (n < 1 || n > all.length) return null;
  const from = Math.max(1, n - 1);
  const to = Math.min(all.length, n + 1);
  const lines = [];
  for (let i = from; i <= to; i++) lines.push({ n: i, text: clip(all[i - 1] ?? ''), hit: i === n });
  return { type: 'lines', lines };
}

/**
 * The excerpt of one location in one artifact's text, or null when it cannot be shown. `lineOf`
 * resolves YAML paths (give one resolver per artifact set, so each text is parsed once).
 */
export function excerptOf(content: string, location: string, lineOf?: (location: string) => number | null): Excerpt | null {
  if (!location.startsWith('/') && !/^line \d+$/.test(location) && location !== '') {
    const n = (lineOf ?? ((l: string) => lineResolver(new Map([['', content]]))('', l)))(location);
    return n === null ? null : linesAround(content, n);
  }
  const line = /^line (\d+)$/.exec(location);
  if (line) return linesAround(content, Number(line[1]));
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
  const lineOf = lineResolver(artifacts);
  for (const f of findings) {
    const key = excerptKey(f.artifact, f.location);
    if (out.has(key)) continue;
    const content = artifacts.get(f.artifact);
    const excerpt = content === undefined ? null : excerptOf(content, f.location, (l) => lineOf(f.artifact, l));
    if (excerpt) out.set(key, excerpt);
  }
  return out;
}

/** The stored (redacted) texts of a snapshot's artifacts by name, for reports that place findings in them. */
export async function artifactTexts(db: Db, snapshotId: string): Promise<Map<string, string>> {
  const row = await findSnapshot(db, snapshotId);
  const files = row ? await findSetArtifacts(db, row.setId) : [];
  return new Map(files.flatMap((a) => (a.content === null ? [] : [[a.name, a.content] as const])));
}
