/**
 * The words of the human-readable reports in English and German. Control titles and texts come
 * from the registry (the German is the standard's own wording); these are only the frame.
 */
import { controlById } from '../controls/index.ts';
import type { ControlStatus } from '../model/result.ts';

export const LANGS = ['en', 'de'] as const;
export type Lang = (typeof LANGS)[number];

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
};

export function labels(lang: Lang): Labels {
  return lang === 'de' ? DE : EN;
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
