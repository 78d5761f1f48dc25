/**
 * SARIF 2.1.0 for GitHub code scanning. Only failing findings become results (code scanning
 * has no use for "no evidence"); waived failures are kept, marked as externally suppressed,
 * so the alert shows as dismissed with the waiver's justification instead of vanishing.
 */
import type { Location, Log, Region, ReportingDescriptor, Result } from 'sarif';
import { EXCERPT_MAX_CHARS } from '../engine/excerpts.ts';
import type { Control } from '../controls/control.ts';
import type { ControlId, ControlResult, EvaluationResult, Finding } from '../model/result.ts';
import type { Lang } from '../model/text.ts';
import { resultIn } from './localize.ts';
import { lineResolver } from '../engine/source-lines.ts';

/** The control metadata the rules are described with (`CONTROLS` fits). */
export type ControlInfo = Pick<Control, 'id' | 'levels' | 'title' | 'text' | 'remediation'>;

export interface SarifMeta {
  /** Rule descriptions; pass `CONTROLS` from `workers/controls/index.ts`. */
  controls: readonly ControlInfo[];
  /** Separates the analyses of several workloads in one repository (`automationDetails.id`). */
  workload?: string | null;
  /** Justifications of the waivers behind `waived` controls. */
  waivers?: Partial<Record<ControlId, string>>;
  informationUri?: string;
  /** The language of messages, rule texts and remediations; English by default. */
  lang?: Lang;
  /**
   * The artifacts' texts by name (as stored, redacted): results whose location is a JSON pointer or
   * a YAML path get the line it names (`region.startLine`), computed only for the results shown.
   */
  sources?: ReadonlyMap<string, string>;
}

const WORDS: Record<Lang, { fix: string; remediation: string; container: string; original: string }> = {
  en: { fix: 'Fix', remediation: 'Remediation', container: 'container', original: 'German original' },
  de: { fix: 'Abhilfe', remediation: 'Abhilfe', container: 'Container', original: 'Englische Fassung' },
};

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const CSVS_URI = 'https://owasp.org/www-project-container-security-verification-standard/';
/** Bump when the fingerprint input changes: GitHub would otherwise match alerts wrongly. */
const FINGERPRINT_KEY = 'csvs/v1';

export function ruleId(id: ControlId): string {
  return `CSVS-${id}`;
}

/** Builds one SARIF log with one run for an evaluation. Pure; runs in Workers. */
export function toSarif(given: EvaluationResult, meta: SarifMeta): Log {
  const lang = meta.lang ?? 'en';
  const result = resultIn(given, lang);
  const infoById = new Map(meta.controls.map((c) => [c.id, c]));
  const lineOf = lineResolver(meta.sources ?? new Map());
  const rules = result.controls.map((c) => describeRule(c, infoById.get(c.id), lang));
  const occurrences = new Map<string, number>();
  const results: Result[] = [];
  result.controls.forEach((control, ruleIndex) => {
    if (control.status !== 'fail' && control.status !== 'waived') return;
    for (const f of control.findings) {
      if (f.status !== 'fail') continue;
      results.push(toResult(control, ruleIndex, f, occurrences, meta.waivers?.[control.id], lang, given.controls[ruleIndex]?.findings, lineOf));
    }
  });
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'csvs',
            fullName: 'OWASP CSVS V3 compliance check',
            informationUri: meta.informationUri ?? CSVS_URI,
            version: result.engineVersion,
            semanticVersion: result.engineVersion,
            rules,
          },
        },
        results,
      },
    ],
  };
  const run = log.runs[0];
  if (run && meta.workload) run.automationDetails = { id: `csvs/${meta.workload}/` };
  return log;
}

function describeRule(control: ControlResult, info: ControlInfo | undefined, lang: Lang): ReportingDescriptor {
  const words = WORDS[lang];
  const title = info?.title[lang] ?? control.title;
  const text = info?.text[lang] ?? title;
  const remediation = info?.remediation[lang] ?? control.remediation;
  const other = lang === 'en' ? info?.text.de : info?.text.en;
  const levels = info ? [...info.levels] : control.levels;
  const markdown = [
    `**CSVS ${control.id}: ${title}** (${levels.join(', ')})`,
    '',
    text,
    ...(other ? ['', `${words.original}: ${other}`] : []),
    '',
    `**${words.remediation}:** ${remediation}`,
  ].join('\n');
  return {
    id: ruleId(control.id),
    // The rule's name identifies it to tools: always from the English title.
    name: pascalCase(info?.title.en ?? control.title),
    helpUri: CSVS_URI,
    shortDescription: { text: `${control.id} ${title}` },
    fullDescription: { text },
    help: { text: `${text}\n\n${words.remediation}: ${remediation}`, markdown },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'csvs', 'csvs-v3', ...levels] },
  };
}

function toResult(
  control: ControlResult,
  ruleIndex: number,
  f: Finding,
  occurrences: Map<string, number>,
  waiver: string | undefined,
  lang: Lang,
  stored: readonly Finding[] | undefined,
  lineOf: (artifact: string, location: string) => number | null,
): Result {
  const id = ruleId(control.id);
  // Fingerprints and places come from the stored (English) finding: the same alert in every language.
  const original = stored?.[control.findings.indexOf(f)] ?? f;
  const key = [id, original.artifact, original.container ?? '', original.location].join('\u0000');
  // Identical keys (two packages on one RUN line) must stay two alerts, so count them like
  // GitHub's own primaryLocationLineHash does; the order of findings is deterministic.
  const n = (occurrences.get(key) ?? 0) + 1;
  occurrences.set(key, n);
  const words = WORDS[lang];
  const fix = f.remediation ?? control.remediation;
  const where = f.container ? ` (${words.container} ${f.container})` : '';
  const r: Result = {
    ruleId: id,
    ruleIndex,
    level: 'error',
    kind: 'fail',
    message: { text: `${f.message.trim().replace(/\.$/, '')}${where}. ${words.fix}: ${fix}` },
    locations: [location(original, lineOf)],
    partialFingerprints: { [FINGERPRINT_KEY]: `${fnv1a64(key)}:${n}` },
    properties: { artifactKind: f.kind, container: f.container, location: original.location },
  };
  if (control.status === 'waived') {
    r.suppressions = [{ kind: 'external', status: 'accepted', justification: waiver ?? 'waived' }];
  }
  return r;
}

/**
 * GitHub needs a physical location on every result: the artifact, plus the line where there is
 * one (`line N`, or the line a JSON pointer or YAML path names in the artifact's text, or, once the
 * text is gone, in the excerpt stored with the finding); the path itself stays as the logical
 * location. The excerpt's lines become the region's snippet and its context region.
 */
function location(f: Finding, lineOf: (artifact: string, location: string) => number | null): Location {
  const loc: Location = { physicalLocation: { artifactLocation: { uri: artifactUri(f.artifact) } } };
  const lines = f.excerpt?.type === 'lines' ? f.excerpt.lines : [];
  const hit = lines.find((l) => l.hit);
  const line = lineOf(f.artifact, f.location) ?? hit?.n ?? null;
  if (line !== null && loc.physicalLocation) {
    const region: Region = { startLine: Math.max(1, line) };
    // A snippet must be the region's text: only where the excerpt quotes that very line, uncut.
    if (hit && hit.n === line && !cut(hit.text)) region.snippet = { text: hit.text };
    loc.physicalLocation.region = region;
    const first = lines[0];
    const last = lines[lines.length - 1];
    if (region.snippet && first && last && !lines.some((l) => cut(l.text))) {
      loc.physicalLocation.contextRegion = { startLine: first.n, endLine: last.n, snippet: { text: lines.map((l) => l.text).join('\n') } };
    }
  }
  if (f.location !== '' && !/^line \d+$/.test(f.location)) loc.logicalLocations = [{ fullyQualifiedName: f.location }];
  return loc;
}

/** An excerpt line shortened to EXCERPT_MAX_CHARS (it ends in an ellipsis): not the file's text. */
const cut = (text: string): boolean => text.length >= EXCERPT_MAX_CHARS && text.endsWith('…');

/** A relative URI reference: `#` in `Dockerfile#2` or spaces must not be read as URI syntax. */
export function artifactUri(name: string): string {
  return name
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function pascalCase(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a, 64 bit, over UTF-8, as 16 hex digits: stable and dependency-free (no Node crypto in Workers). */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}
