/**
 * The words of the human-readable reports in English and German. Control titles and texts come
 * from the registry (the German is the standard's own wording); these are only the frame.
 */
import { controlById } from '../controls/index.ts';
import type { ControlStatus } from '../model/result.ts';
import { type Lang, locationIn } from '../model/text.ts';
import type { DecidingFinding } from './report.ts';

export { LANGS, type Lang } from '../model/text.ts';

export interface Labels {
  title: string;
  scope: string;
  scopeTeam: (teams: string) => string;
  scopeOrg: (count: number) => string;
  level: string;
  asOf: string;
  generated: string;
  environment: string;
  allEnvironments: string;
  engine: string;
  verdict: string;
  verdictText: (compliant: number, total: number, level: string) => string;
  passed: string;
  failed: string;
  summaryByControl: string;
  control: string;
  inLevel: string;
  yes: string;
  no: string;
  workloads: string;
  workload: string;
  snapshot: string;
  observed: string;
  contentHash: string;
  meetsLevel: string;
  failing: string;
  status: Record<ControlStatus, string>;
  decidingFindings: string;
  more: (n: number) => string;
  missingEvidence: string;
  waivers: string;
  noWaivers: string;
  justification: string;
  approvedBy: string;
  expires: string;
  covers: string;
  stale: (days: number) => string;
  noStale: string;
  noWorkloads: string;
  requirements: string;
  unsigned: string;
  method: string;
  rules: (level: string, staleAfterDays: number) => string[];
  page: (n: number) => string;
  /** A workload's standing at the level, as a heading. */
  meets: (level: string) => string;
  fails: (level: string) => string;
  /** `Page 3 of 12`. */
  pageOf: (n: number, total: number) => string;
  /** The verdict in one word, as an auditor writes it. */
  resultWord: { PASSED: string; FAILED: string; NONE: string };
  /** An empty scope, said plainly: no verdict instead of "FAILED 0 of 0". */
  emptyScope: (level: string) => string;
  status_: string;
  evidence: string;
  environmentCol: string;
  waiverApplied: (id: string) => string;
  signature: string;
  signingKey: string;
  statementDigest: string;
  signedAttached: (file: string) => string;
  notSigned: string;
  signOff: string;
  signOffText: string;
  signOffName: string;
  signOffRole: string;
  signOffDate: string;
  signOffSignature: string;
  appendixWorkloads: string;
  appendixRequirements: string;
  summary: string;
  counts: string;
  of: (n: number, total: number) => string;
}

const EN: Labels = {
  title: 'CSVS V3 attestation report',
  scope: 'Scope',
  scopeTeam: (t) => `Team ${t}`,
  scopeOrg: (n) => `Organisation (all ${n} teams)`,
  level: 'Level',
  asOf: 'As of',
  generated: 'Generated',
  environment: 'Environment',
  allEnvironments: 'all',
  engine: 'Engine',
  verdict: 'Verdict',
  verdictText: (c, t, l) => `${c} of ${t} workloads meet ${l}`,
  passed: 'level met by every workload',
  failed: 'level not met by every workload',
  summaryByControl: 'Summary by control',
  control: 'Control',
  inLevel: 'In level',
  yes: 'yes',
  no: 'no',
  workloads: 'Workloads',
  workload: 'Workload',
  snapshot: 'Snapshot',
  observed: 'Observed',
  contentHash: 'Content hash',
  meetsLevel: 'Meets level',
  failing: 'Not met',
  status: { pass: 'pass', fail: 'fail', waived: 'waived', unknown: 'unknown' },
  decidingFindings: 'Deciding findings',
  more: (n) => `… and ${n} more`,
  missingEvidence: 'No evidence; would be decided by',
  waivers: 'Waivers relied on',
  noWaivers: 'No waiver was relied on.',
  justification: 'Justification',
  approvedBy: 'Approved by',
  expires: 'Expires',
  covers: 'Covers',
  stale: (d) => `Stale workloads (no snapshot for more than ${d} days), left out`,
  noStale: 'No stale workloads.',
  noWorkloads: 'No workloads in scope.',
  requirements: 'Requirements of the level',
  unsigned: 'This rendering is not signed. The signed attestation is the DSSE envelope (format=json) for the same scope, level and moment.',
  method: 'How the verdict is reached',
  rules: (level, days) => [
    'Each workload counts by its latest evaluated snapshot observed at or before the moment attested.',
    `Workloads without a snapshot in the ${days} days before are stale: listed below and left out of the verdict.`,
    'Waivers in force at that moment turn a failed control into "waived", which counts toward the level; missing evidence is never waived.',
    `A workload meets ${level} when every control of ${level} passes or is waived.`,
  ],
  page: (n) => `Page ${n}`,
  pageOf: (n, total) => `Page ${n} of ${total}`,
  meets: (level) => `Meets ${level}`,
  fails: (level) => `Does not meet ${level}`,
  resultWord: { PASSED: 'PASSED', FAILED: 'NOT PASSED', NONE: 'NO VERDICT' },
  emptyScope: (level) =>
    `No workloads in scope: no workload had an evaluated snapshot in the period counted, so nothing can be attested at ${level}. This is not a pass.`,
  status_: 'Status',
  evidence: 'Evidence',
  environmentCol: 'Environment',
  waiverApplied: (id) => `Waived by ${id}`,
  signature: 'Signature',
  signingKey: 'Signing key (keyid)',
  statementDigest: 'SHA-256 of the signed statement',
  signedAttached: (file) =>
    `The signed statement (a DSSE envelope around an in-toto Statement v1) is attached to this PDF as ${file}. Its payload's SHA-256 is the one above; the key is listed at /.well-known/jwks.json. Extract it (for example with pdfdetach) and check it with npm run verify-attestation.`,
  notSigned: 'Not signed: the service has no signing key (CSVS_SIGNING_KEY). This report alone is not a signed attestation.',
  signOff: 'Sign-off',
  signOffText: 'I have reviewed this report and the evidence it lists, and confirm the verdict stated above.',
  signOffName: 'Name',
  signOffRole: 'Role',
  signOffDate: 'Date',
  signOffSignature: 'Signature',
  appendixWorkloads: 'Appendix A: evidence per workload',
  appendixRequirements: 'Appendix B: requirements of the level',
  summary: 'Summary',
  counts: 'Workloads per status',
  of: (n, total) => `${n} of ${total}`,
};

const DE: Labels = {
  title: 'CSVS-V3-Attestierungsbericht',
  scope: 'Geltungsbereich',
  scopeTeam: (t) => `Team ${t}`,
  scopeOrg: (n) => `Organisation (alle ${n} Teams)`,
  level: 'Stufe',
  asOf: 'Stand',
  generated: 'Erstellt',
  environment: 'Umgebung',
  allEnvironments: 'alle',
  engine: 'Engine',
  verdict: 'Ergebnis',
  verdictText: (c, t, l) => `${c} von ${t} Workloads erfüllen ${l}`,
  passed: 'Stufe von allen Workloads erfüllt',
  failed: 'Stufe nicht von allen Workloads erfüllt',
  summaryByControl: 'Übersicht nach Anforderung',
  control: 'Anforderung',
  inLevel: 'In Stufe',
  yes: 'ja',
  no: 'nein',
  workloads: 'Workloads',
  workload: 'Workload',
  snapshot: 'Snapshot',
  observed: 'Beobachtet',
  contentHash: 'Inhalts-Hash',
  meetsLevel: 'Erfüllt Stufe',
  failing: 'Nicht erfüllt',
  status: { pass: 'erfüllt', fail: 'nicht erfüllt', waived: 'Ausnahme', unknown: 'unbekannt' },
  decidingFindings: 'Ausschlaggebende Befunde',
  more: (n) => `… und ${n} weitere`,
  missingEvidence: 'Keine Nachweise; zu entscheiden durch',
  waivers: 'Herangezogene Ausnahmen',
  noWaivers: 'Es wurde keine Ausnahme herangezogen.',
  justification: 'Begründung',
  approvedBy: 'Genehmigt von',
  expires: 'Läuft ab',
  covers: 'Gilt für',
  stale: (d) => `Veraltete Workloads (seit mehr als ${d} Tagen kein Snapshot), nicht berücksichtigt`,
  noStale: 'Keine veralteten Workloads.',
  noWorkloads: 'Keine Workloads im Geltungsbereich.',
  requirements: 'Anforderungen der Stufe',
  unsigned: 'Diese Darstellung ist nicht signiert. Die signierte Attestierung ist der DSSE-Umschlag (format=json) für denselben Geltungsbereich, dieselbe Stufe und denselben Zeitpunkt.',
  method: 'Wie das Ergebnis zustande kommt',
  rules: (level, days) => [
    'Jeder Workload zählt mit seinem letzten ausgewerteten Snapshot, der zum attestierten Zeitpunkt oder davor beobachtet wurde.',
    `Workloads ohne Snapshot in den ${days} Tagen davor gelten als veraltet: Sie sind unten aufgeführt und zählen nicht zum Ergebnis.`,
    'Zu diesem Zeitpunkt gültige Ausnahmen machen aus einer nicht erfüllten Anforderung eine „Ausnahme“, die für die Stufe zählt; fehlende Nachweise werden nie ausgenommen.',
    `Ein Workload erfüllt ${level}, wenn jede Anforderung von ${level} erfüllt ist oder eine Ausnahme hat.`,
  ],
  page: (n) => `Seite ${n}`,
  pageOf: (n, total) => `Seite ${n} von ${total}`,
  meets: (level) => `Erfüllt ${level}`,
  fails: (level) => `Erfüllt ${level} nicht`,
  resultWord: { PASSED: 'BESTANDEN', FAILED: 'NICHT BESTANDEN', NONE: 'KEIN ERGEBNIS' },
  emptyScope: (level) =>
    `Keine Workloads im Geltungsbereich: Kein Workload hatte im gezählten Zeitraum einen ausgewerteten Snapshot, daher lässt sich für ${level} nichts attestieren. Das ist kein Bestehen.`,
  status_: 'Status',
  evidence: 'Nachweise',
  environmentCol: 'Umgebung',
  waiverApplied: (id) => `Ausnahme ${id}`,
  signature: 'Signatur',
  signingKey: 'Signaturschlüssel (keyid)',
  statementDigest: 'SHA-256 der signierten Aussage',
  signedAttached: (file) =>
    `Die signierte Aussage (ein DSSE-Umschlag um ein in-toto Statement v1) ist diesem PDF als ${file} beigefügt. Der SHA-256 ihres Inhalts ist der oben genannte; der Schlüssel steht unter /.well-known/jwks.json. Entnehmen Sie sie (etwa mit pdfdetach) und prüfen Sie sie mit npm run verify-attestation.`,
  notSigned: 'Nicht signiert: Der Dienst hat keinen Signaturschlüssel (CSVS_SIGNING_KEY). Dieser Bericht allein ist keine signierte Attestierung.',
  signOff: 'Freigabe',
  signOffText: 'Ich habe diesen Bericht und die darin aufgeführten Nachweise geprüft und bestätige das oben genannte Ergebnis.',
  signOffName: 'Name',
  signOffRole: 'Funktion',
  signOffDate: 'Datum',
  signOffSignature: 'Unterschrift',
  appendixWorkloads: 'Anhang A: Nachweise je Workload',
  appendixRequirements: 'Anhang B: Anforderungen der Stufe',
  summary: 'Zusammenfassung',
  counts: 'Workloads je Status',
  of: (n, total) => `${n} von ${total}`,
};

export function labels(lang: Lang): Labels {
  return lang === 'de' ? DE : EN;
}

const LOCALE: Record<Lang, string> = { en: 'en-GB', de: 'de-DE' };

/** `28 November 2026, 10:00 UTC` / `28. November 2026, 10:00 UTC`: times are UTC, as everywhere. */
export function humanDateTime(iso: string | Date, lang: Lang): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const s = new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(d);
  return `${s} UTC`;
}

/** `28 Nov 2026` / `28.11.2026`. */
export function humanDate(iso: string | Date, lang: Lang): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** Engine and registry texts mark code with backticks: the parts, odd ones code (an unmatched tick is text). */
export function codeParts(text: string): { text: string; code: boolean }[] {
  const parts = text.split('`');
  if (parts.length % 2 === 0) return [{ text, code: false }];
  return parts.map((t, i) => ({ text: t, code: i % 2 === 1 })).filter((p) => p.text !== '');
}

/** The verdict's one word: NONE for an empty scope, which is never a pass nor a plain failure. */
export function resultOf(verdict: { total: number; result: 'PASSED' | 'FAILED' }): 'PASSED' | 'FAILED' | 'NONE' {
  return verdict.total === 0 ? 'NONE' : verdict.result;
}

/** A deciding finding's place and observation in the language (its German where it carries one). */
export function findingText(f: DecidingFinding, lang: Lang): { location: string; message: string } {
  return { location: locationIn(f.location, lang), message: lang === 'de' && f.de ? f.de : f.message };
}

/** A control's title in the language (the registry holds both). */
export function controlTitle(id: string, lang: Lang): string {
  return controlById(id)?.title[lang] ?? id;
}

export function controlText(id: string, lang: Lang): string {
  return controlById(id)?.text[lang] ?? '';
}

/** `Team payments` or `Organisation (all 12 teams)`. */
export function scopeText(scope: { type: 'team' | 'org'; teams: readonly string[] }, l: Labels): string {
  return scope.type === 'team' ? l.scopeTeam(scope.teams.join(', ')) : l.scopeOrg(scope.teams.length);
}
