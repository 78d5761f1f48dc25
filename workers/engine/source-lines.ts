/**
 * Where a finding's location is in its artifact's text, as a line: `line N` says so itself; a
 * JSON pointer (`/0/HostConfig/SecurityOpt`) or a YAML path (`[1].services.web.ports[0]`,
 * `spec.template.spec.containers[1].securityContext`) is looked up in the text. Findings keep
 * paths, not lines, so that parsing stays fast; lines are computed here only for findings: the
 * excerpts the engine stores with failing and unknown findings (workers/engine/excerpts.ts), and
 * the results a report places (SARIF), each artifact's text read once.
 *
 * JSON is YAML, so one reader (the `yaml` package, which keeps source ranges) serves both; block
 * YAML, what manifests almost always are, is first read line by line (block-yaml-lines.ts), which
 * costs a fraction of that parse and gives the same line. A path
 * that ends at a field the artifact does not have (a finding about an absent setting points where
 * it would be written) resolves to the deepest part that exists.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { type BlockYaml, blockYamlLine, readBlockYaml } from './block-yaml-lines.ts';

/** Longer texts are not searched: a report must not stall on one odd artifact. */
const MAX_CHARS = 4 * 1024 * 1024;

type Segment = string | number;

/** `/0/Config/User` → [0, 'Config', 'User'] (numbers where a sequence may be indexed). */
function pointerSegments(pointer: string): Segment[] {
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `[1].services["web.v2"].ports[0]` → [1, 'services', 'web.v2', 'ports', 0]. */
function yamlSegments(path: string): Segment[] | null {
  const out: Segment[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/gy;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, '$1'));
    else out.push(m[3] ?? '');
    at = re.lastIndex;
  }
  return out;
}

interface Parsed {
  docs: { contents: unknown }[];
  counter: LineCounter;
}

function parse(content: string, maxChars: number): Parsed | null {
  if (content.length > maxChars) return null;
  const counter = new LineCounter();
  try {
    const docs = parseAllDocuments(content, { lineCounter: counter, uniqueKeys: false, merge: false, prettyErrors: false });
    if (!Array.isArray(docs)) return null;
    // Empty documents (a comment, `---` after `---`) are not counted, as the parsers count them.
    return { docs: docs.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null)), counter };
  } catch {
    return null;
  }
}

function startOf(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : null;
}

/** Walks the segments as far as the text has them; the offset of the deepest key or item reached. */
function walk(root: unknown, segments: readonly Segment[]): number | null {
  let node: unknown = root;
  let offset = startOf(node);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = startOf(pair.key) ?? offset;
      node = pair.value;
      if (node === null) break;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      offset = startOf(item as Node) ?? offset;
    } else break;
  }
  return offset;
}

/**
 * A resolver over a report's artifacts: each text parsed once, on the first location asked of it.
 * Texts longer than `maxChars` are not searched.
 */
export function lineResolver(
  texts: ReadonlyMap<string, string>,
  maxChars = MAX_CHARS,
  /** false: always the full parse (the oracle the line-by-line reader is tested against). */
  blockYaml = true,
): (artifact: string, location: string) => number | null {
  const parsed = new Map<string, Parsed | null>();
  const block = new Map<string, BlockYaml | undefined>();
  return (artifact, location) => {
    const line = /^line (\d+)$/.exec(location);
    if (line) return Math.max(1, Number(line[1]));
    const content = texts.get(artifact);
    if (content === undefined || location === '' || content.length > maxChars) return null;
    const isPointer = location.startsWith('/');
    const segments = isPointer ? pointerSegments(location) : yamlSegments(location);
    if (!segments) return null;
    if (!isPointer && blockYaml) {
      // Block YAML, as manifests are, is read line by line; anything else takes the full parse.
      if (!block.has(artifact)) block.set(artifact, readBlockYaml(content));
      const y = block.get(artifact);
      const found = y ? blockYamlLine(y, segments) : undefined;
      if (found !== undefined) return found;
    }
    if (!parsed.has(artifact)) parsed.set(artifact, parse(content, maxChars));
    const p = parsed.get(artifact);
    if (!p || p.docs.length === 0) return null;
    // Several documents: a YAML path starts with the document's index (`[1].services…`).
    let doc = p.docs[0];
    let rest = segments;
    if (!isPointer && p.docs.length > 1 && typeof segments[0] === 'number') {
      doc = p.docs[segments[0]];
      rest = segments.slice(1);
    }
    if (!doc) return null;
    const offset = walk(doc.contents, rest);
    return offset === null ? null : p.counter.linePos(offset).line;
  };
}
