import { loadAll, YAMLException } from 'js-yaml';
import { ArtifactError, isRecord } from './util.ts';

/**
 * Aliases in js-yaml are shared references, so a "billion laughs" document parses quickly
 * but explodes when walked. Anything that would visit more nodes than this is refused.
 */
const MAX_EXPANDED_NODES = 200_000;
const MAX_DEPTH = 64;

/** All documents of a YAML (or JSON) text; nulls (empty documents) are dropped. */
export function loadYamlDocuments(text: string, what: string): unknown[] {
  let docs: unknown[];
  try {
    docs = loadAll(text.replace(/^\uFEFF/, ''), null, { json: true });
  } catch (e) {
    if (e instanceof YAMLException) {
      const line = e.mark ? `line ${e.mark.line + 1}` : null;
      throw new ArtifactError(`${what} is not valid YAML: ${e.reason}`, line);
    }
    throw new ArtifactError(`${what} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  assertBounded(docs, what);
  return docs.filter((d) => d !== null && d !== undefined);
}

/** Counts nodes as a full expansion would (shared aliases counted each time), iteratively. */
function assertBounded(root: unknown, what: string): void {
  let visited = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    const [node, depth] = item;
    if (++visited > MAX_EXPANDED_NODES) {
      throw new ArtifactError(`${what} expands to more than ${MAX_EXPANDED_NODES} nodes (an alias bomb?)`);
    }
    if (depth > MAX_DEPTH) throw new ArtifactError(`${what} is nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(node)) for (const child of node) stack.push([child, depth + 1]);
    else if (isRecord(node)) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}
