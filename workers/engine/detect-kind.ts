import type { ArtifactKind } from '../model/evidence.ts';
import { baseName, contentHead } from '../parsers/signs.ts';
import { KINDS } from './kinds.ts';

const ORDER = Object.keys(KINDS) as ArtifactKind[];

/**
 * The kind of an artifact, or null when unsure. `name` may be a path. Content first (CI names
 * files freely: `compose-shop.json` may well be `docker inspect` output), then the file name;
 * kinds are tried in the table's order.
 */
export function detectKind(name: string, text: string): ArtifactKind | null {
  const head = contentHead(text);
  if (head) {
    for (const kind of ORDER) {
      const signs = KINDS[kind].detect;
      if ((head.json ? signs.json : signs.text)?.(head)) return kind;
    }
  }
  const base = baseName(name);
  for (const kind of ORDER) {
    if (KINDS[kind].detect.fileName?.(base)) return kind;
  }
  return null;
}
