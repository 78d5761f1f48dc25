/**
 * The line a YAML path names, found by reading block-style YAML line by line, without a parser:
 * what Kubernetes manifests and Compose files almost always are. A full parse with source positions
 * (the `yaml` package) costs several times what reading the manifest cost, and the engine looks up
 * the places of its findings as it makes them (excerpts), so the common shape is read here and
 * everything else (flow collections, anchors, tags, complex or odd keys, directives) is left to the
 * full parse: `undefined` means "cannot say", never a guess. `source-lines.test.ts` checks both
 * agree on every place the rules name in the fixtures.
 *
 * It follows the same rule as the full walk: the line of the deepest part of the path the text has
 * (a key's line; a sequence item's first line).
 */

type Segment = string | number;

interface Line {
  indent: number;
  text: string;
}

/** A node: its first token at (line, col); its lines end before `end`. */
interface Node {
  kind: 'map' | 'seq' | 'scalar';
  line: number;
  col: number;
  end: number;
}

const CANNOT = undefined;

/** Per text: lines (null for blank and comment lines) and its documents, each the index of its first content line. */
export interface BlockYaml {
  lines: (Line | null)[];
  docs: { start: number; end: number }[];
  /** keyOf of each line read from its indentation, computed once (paths walk the same mappings). */
  keys: (ReturnType<typeof keyOf> | null)[];
}

/** Reads the layout once per text; undefined when the text is not plain block YAML. */
export function readBlockYaml(content: string): BlockYaml | undefined {
  const raw = content.split(/\r?\n/);
  const lines: (Line | null)[] = [];
  const docs: { start: number; end: number }[] = [];
  let docStart = 0;
  const close = (end: number) => {
    const first = lines.findIndex((l, i) => i >= docStart && i < end && l !== null);
    if (first !== -1) docs.push({ start: first, end });
  };
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i] ?? '';
    let indent = 0;
    while (r.charCodeAt(indent) === 32) indent++;
    const c = r.charCodeAt(indent);
    if (c === 9) return CANNOT; // a tab in the indentation
    if (indent === r.length || c === 35 /* # */) {
      lines.push(null);
      continue;
    }
    if (indent === 0 && (c === 37 /* % */ || c === 46 /* . */ || c === 45 /* - */)) {
      if (r.startsWith('%') || r.startsWith('...')) return CANNOT;
      if (/^---(\s|$)/.test(r)) {
        if (!/^---\s*(#.*)?$/.test(r)) return CANNOT;
        close(i);
        lines.push(null);
        docStart = i + 1;
        continue;
      }
    }
    const text = r.slice(indent).trimEnd();
    if (text === '') {
      lines.push(null);
      continue;
    }
    lines.push({ indent, text });
  }
  close(lines.length);
  // A document must be a mapping or a sequence: the full parse drops null documents, and scalars
  // have no paths.
  for (const d of docs) {
    const first = lines[d.start];
    if (!first || !(isDash(first.text) || keyOf(first.text) !== undefined)) return CANNOT;
  }
  return { lines, docs, keys: [] };
}

/** keyOf of line `i` read from column `col`, remembered for the common case (col at the line's indentation). */
function keyAt(y: BlockYaml, i: number, l: Line, col: number): ReturnType<typeof keyOf> {
  if (col !== l.indent) return keyOf(at(l, col));
  const known = y.keys[i];
  if (known !== undefined) return known ?? undefined;
  const k = keyOf(l.text);
  y.keys[i] = k ?? null;
  return k;
}

const isDash = (t: string): boolean => t === '-' || t.startsWith('- ');

/** An empty rest of a line (nothing, or a comment). */
const isEmpty = (t: string): boolean => /^\s*(#.*)?$/.test(t);

/**
 * `key: …` → { key, rest }; `undefined` when the text is not a key this reader is sure of the way
 * the full parser reads it (quoted keys with escapes, numbers other than plain integers, odd characters).
 */
function keyOf(text: string): { key: string; rest: string } | undefined {
  const m = /^(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_][A-Za-z0-9_./-]*))[ ]*:(?=\s|$)(.*)$/.exec(text);
  if (!m) return undefined;
  const plain = m[3];
  if (plain !== undefined && /^[-+.\d]/.test(plain) && !/^(0|[1-9]\d*)$/.test(plain)) return undefined;
  if (plain !== undefined && /^\d/.test(plain) && plain.length > 15) return undefined;
  // `True`, `NULL`: the core schema reads them as a boolean or null, whose string differs.
  if (plain !== undefined && /^(true|false|null)$/i.test(plain)) return undefined;
  return { key: m[1] ?? m[2] ?? plain ?? '', rest: m[4] ?? '' };
}

/** The text of a line from column `col` on (col is at or after the line's indent). */
function at(l: Line, col: number): string {
  return l.text.slice(col - l.indent);
}

/** The next content line after `i` before `end`, or -1. */
function next(lines: readonly (Line | null)[], i: number, end: number): number {
  for (let j = i + 1; j < end; j++) if (lines[j]) return j;
  return -1;
}

/** The node whose first token is at (line, col). */
function nodeAt(y: BlockYaml, line: number, col: number, end: number): Node | undefined {
  const l = y.lines[line];
  if (!l) return CANNOT;
  const t = at(l, col);
  if (/^[&*!{[?%@`]/.test(t)) return CANNOT;
  if (isDash(t)) {
    // A sequence ends at the first line left of it, or at its column without a dash.
    let e = line + 1;
    for (; e < end; e++) {
      const x = y.lines[e];
      if (x && (x.indent < col || (x.indent === col && !isDash(x.text)))) break;
    }
    return { kind: 'seq', line, col, end: e };
  }
  if (keyOf(t) !== undefined) {
    let e = line + 1;
    for (; e < end; e++) {
      const x = y.lines[e];
      if (x && x.indent < col) break;
    }
    return { kind: 'map', line, col, end: e };
  }
  // Something with a colon that is not a key this reader knows (`<<: *base`, `a b: c`) may be a
  // mapping: the full parse decides. Anything else is a (possibly multi-line) scalar.
  if (/:(\s|$)/.test(t)) return CANNOT;
  return { kind: 'scalar', line, col, end: line + 1 };
}

/** A key's value: a node on the following lines, null for nothing, undefined when unsure. */
function valueOf(y: BlockYaml, keyLine: number, col: number, rest: string, end: number): Node | null | undefined {
  const inline = rest.trim();
  if (!isEmpty(inline)) {
    if (/^[{[&*!]/.test(inline)) return CANNOT;
    // A scalar (a block scalar's `|` or `>` too): no path goes into it.
    return { kind: 'scalar', line: keyLine, col, end: keyLine + 1 };
  }
  const n = next(y.lines, keyLine, end);
  const l = n === -1 ? null : y.lines[n];
  if (!l || l.indent < col) return null;
  if (l.indent === col) return isDash(l.text) ? (nodeAt(y, n, col, end) ?? CANNOT) : null;
  return nodeAt(y, n, l.indent, end);
}

/** The pair `seg` of a mapping: its key's line and its value; null when the mapping has no such key. */
function pairOf(y: BlockYaml, node: Node, seg: string): { line: number; value: Node | null } | null | undefined {
  for (let i = node.line; i < node.end; i++) {
    const l = y.lines[i];
    if (!l) continue;
    // The node's first line may start left of its column (`- name: api`): read it from the column.
    const col = i === node.line ? node.col : l.indent;
    if (col !== node.col) continue;
    const t = at(l, col);
    if (isDash(t)) continue; // a sequence written at the key's own indentation: a value, not a key
    const k = keyAt(y, i, l, col);
    if (k === undefined) return CANNOT;
    if (k.key !== seg) continue;
    const value = valueOf(y, i, col, k.rest, node.end);
    if (value === undefined) return CANNOT;
    return { line: i, value };
  }
  return null;
}

/** Item `n` of a sequence: its first line and node; null when the sequence is shorter. */
function itemOf(y: BlockYaml, node: Node, n: number): { line: number; value: Node } | null | undefined {
  let count = 0;
  for (let i = node.line; i < node.end; i++) {
    const l = y.lines[i];
    if (!l) continue;
    const col = i === node.line ? node.col : l.indent;
    if (col !== node.col) continue;
    const t = at(l, col);
    if (!isDash(t)) return CANNOT;
    if (count++ !== n) continue;
    const after = t.slice(1);
    if (isEmpty(after)) {
      const j = next(y.lines, i, node.end);
      const x = j === -1 ? null : y.lines[j];
      if (!x || x.indent <= col) return CANNOT; // an empty item
      const v = nodeAt(y, j, x.indent, node.end);
      return v ? { line: j, value: v } : CANNOT;
    }
    const itemCol = col + 1 + (after.length - after.trimStart().length);
    const v = nodeAt(y, i, itemCol, node.end);
    return v ? { line: i, value: v } : CANNOT;
  }
  return null;
}

/**
 * The 1-based line of the deepest part of `segments` the document has, or undefined when this
 * reader cannot tell (then the full parse decides).
 */
export function blockYamlLine(y: BlockYaml, segments: readonly Segment[]): number | undefined {
  let segs = segments;
  let doc = y.docs[0];
  if (y.docs.length > 1 && typeof segs[0] === 'number') {
    doc = y.docs[segs[0]];
    segs = segs.slice(1);
  }
  if (!doc) return CANNOT;
  const first = y.lines[doc.start];
  if (!first) return CANNOT;
  let node: Node | null | undefined = nodeAt(y, doc.start, first.indent, doc.end);
  if (!node) return CANNOT;
  let line = doc.start;
  for (const seg of segs) {
    if (!node || node.kind === 'scalar') break;
    if (node.kind === 'map') {
      const pair = pairOf(y, node, String(seg));
      if (pair === undefined) return CANNOT;
      if (pair === null) break;
      line = pair.line;
      node = pair.value;
    } else {
      if (typeof seg !== 'number') break;
      const item = itemOf(y, node, seg);
      if (item === undefined) return CANNOT;
      if (item === null) break;
      line = item.line;
      node = item.value;
    }
  }
  return line + 1;
}
