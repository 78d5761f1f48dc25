/**
 * Kubernetes and Compose YAML. Which values to redact is decided on the parsed documents (the
 * same loader the parsers use, so the same values); the change is then made in the text, at the
 * source position of each value, so comments, layout and line numbers stay. The edited text is
 * parsed again and must give exactly the redacted documents; if it does not (aliases, merge
 * keys, exotic scalars), the redacted documents are written out as JSON (which is YAML) instead:
 * the paths the controls report stay the same, only the layout is lost.
 */
import { isMap, isPair, isScalar, isSeq, type Node, parseAllDocuments, type Document, type Scalar, type YAMLMap } from 'yaml';
import { loadYamlDocuments } from '../parsers/yaml.ts';
import { ArtifactError } from '../parsers/util.ts';
import { PLACEHOLDER, type Recorder, RedactionError, type RedactOptions } from './redaction.ts';
import { type Edit, redactStructured } from './structured.ts';
import { redactText } from './text.ts';

/** Redacts YAML (or JSON) text of the Kubernetes and Compose kinds. */
export function redactYaml(text: string, recorder: Recorder, options: RedactOptions, what: string): string {
  let docs: unknown[];
  try {
    docs = loadYamlDocuments(text, what);
  } catch (e) {
    // Not readable: the parser refuses it with a message that quotes nothing of the text, and
    // nothing is stored. Redact what can be recognised anyway, in case the text travels further.
    if (e instanceof ArtifactError) return redactText(text, recorder);
    throw e;
  }
  const single = docs.length === 1;
  const result = redactStructured(single ? docs[0] : docs, recorder, { ...options, style: 'yaml', edits: true });
  if (!result.changed) return text;
  const expected = single ? [result.value] : (result.value as unknown[]);
  const edited = applyEdits(text.replace(/^\uFEFF/, ''), result.edits, single, expected.length);
  if (edited !== null && sameDocuments(edited, expected, what)) return edited;
  const written = `${expected.map((d) => JSON.stringify(d, null, 2)).join('\n---\n')}\n`;
  if (!sameDocuments(written, expected, what)) throw new RedactionError(`${what} could not be redacted safely`);
  return written;
}

function sameDocuments(text: string, expected: readonly unknown[], what: string): boolean {
  try {
    return JSON.stringify(loadYamlDocuments(text, what)) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

/**
 * The node at a path. `YAMLMap.get` scans its pairs, which is quadratic over a map with a
 * hundred thousand edited keys, so each map's keys are indexed once, on first use. Aliases and
 * merge keys are not followed: the caller then writes JSON instead.
 */
function finder(): (from: unknown, path: readonly (string | number)[]) => unknown {
  const indexes = new Map<YAMLMap, Map<string, unknown>>();
  const keyed = (map: YAMLMap): Map<string, unknown> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        // Only string keys match the loader's object keys; a later duplicate wins, as in the loader.
        if (typeof key === 'string') index.set(key, pair.value);
      }
      indexes.set(map, index);
    }
    return index;
  };
  return (from, path) => {
    let node: unknown = from;
    for (const segment of path) {
      if (typeof segment === 'number' && isSeq(node)) node = node.items[segment];
      else if (typeof segment === 'string' && isMap(node)) node = keyed(node).get(segment);
      else return undefined;
    }
    return node as Node | undefined;
  };
}

/** Empty documents (`---` with nothing, or `~`) are no documents to the loader either. */
function isEmptyDocument(d: Document): boolean {
  return d.contents === null || (isScalar(d.contents) && d.contents.value === null);
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

/** The text with every edit made at its value's position, or null when some value cannot be found. */
function applyEdits(text: string, edits: readonly Edit[], single: boolean, count: number): string | null {
  const all = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false });
  if (!Array.isArray(all)) return null;
  if (all.some((d) => d.errors.length > 0)) return null;
  const docs = all.filter((d) => !isEmptyDocument(d));
  if (docs.length !== count) return null;
  const replacements: Replacement[] = [];
  const find = finder();
  for (const edit of edits) {
    const index = single ? 0 : edit.path[0];
    const path = single ? edit.path : edit.path.slice(1);
    const doc = typeof index === 'number' ? docs[index] : undefined;
    if (!doc) return null;
    const parent = path.length > 1 ? find(doc.contents, path.slice(0, -1)) : doc.contents;
    const node = find(parent, path.slice(-1));
    if (!isScalar(node) || !node.range) return null;
    const flow = (isMap(parent) || isSeq(parent)) && parent.flow === true;
    replacements.push(replace(text, node, edit.value, flow));
  }
  replacements.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let pos = 0;
  for (const r of replacements) {
    if (r.start < pos) return null;
    parts.push(text.slice(pos, r.start), r.text);
    pos = r.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/**
 * The new source of one scalar. A value with only parts redacted (a command line) is edited in
 * place inside quoted and block scalars; otherwise the scalar becomes a JSON string, followed
 * by the line breaks it spanned, so later lines keep their numbers.
 */
function replace(text: string, node: Scalar, value: string, flow: boolean): Replacement {
  const [start, end] = node.range ?? [0, 0, 0];
  const source = text.slice(start, end);
  const breaks = (source.match(/\n/g) ?? []).length;
  const asJson: Replacement = { start, end, text: JSON.stringify(value) + '\n'.repeat(breaks) };
  const old = typeof node.value === 'string' ? node.value : null;
  if (old === null || value === PLACEHOLDER || node.type === 'PLAIN' || flow) return asJson;
  const removed = removedParts(old, value);
  if (removed === null) return asJson;
  let out = '';
  let pos = 0;
  for (const part of removed) {
    const i = source.indexOf(part, pos);
    if (i === -1) return asJson;
    out += source.slice(pos, i) + PLACEHOLDER;
    pos = i + part.length;
  }
  return { start, end, text: out + source.slice(pos) };
}

/** The substrings of `old` that became placeholders in `value`, in order; null if that is not what happened. */
function removedParts(old: string, value: string): string[] | null {
  const kept = value.split(PLACEHOLDER);
  const first = kept[0] ?? '';
  if (!old.startsWith(first)) return null;
  const removed: string[] = [];
  let pos = first.length;
  for (let k = 1; k < kept.length; k++) {
    const piece = kept[k] ?? '';
    const i = k === kept.length - 1 ? old.length - piece.length : piece === '' ? -1 : old.indexOf(piece, pos + 1);
    if (i < pos || (k === kept.length - 1 && !old.endsWith(piece))) return null;
    const part = old.slice(pos, i);
    if (part === '' || part.includes('\n')) return null;
    removed.push(part);
    pos = i + piece.length;
  }
  return removed;
}
