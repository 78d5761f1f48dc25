import type { ControlId, ControlResult, ControlStatus, Level, LevelSummary } from './result.ts';
import { LEVELS } from './result.ts';
import { defineTexts, joinTexts, type Text, tx } from './text.ts';

/** A level is met when every control of it passes or has its failure waived. `unknown` never counts. */
export function summarizeLevels(controls: readonly Pick<ControlResult, 'status' | 'levels'>[]): Record<Level, LevelSummary> {
  const out = {} as Record<Level, LevelSummary>;
  for (const level of LEVELS) {
    const counts: Record<ControlStatus, number> = { pass: 0, fail: 0, unknown: 0, waived: 0 };
    for (const c of controls) if (c.levels.includes(level)) counts[c.status]++;
    out[level] = { compliant: counts.fail === 0 && counts.unknown === 0, ...counts };
  }
  return out;
}

export function meetsLevel(controls: readonly Pick<ControlResult, 'status' | 'levels'>[], level: Level): boolean {
  return summarizeLevels(controls)[level].compliant;
}

const T = defineTexts('gate', {
  title: { en: 'The gate level is not met', de: 'Die verlangte Stufe ist nicht erreicht' },
  met: { en: '{level} met', de: '{level} erreicht' },
  notMet: { en: '{level} not met: {reasons}', de: '{level} nicht erreicht: {reasons}' },
  failing: { en: '{controls} fail', de: '{controls} verfehlt' },
  unknown: { en: '{controls} unknown', de: '{controls} ohne Nachweis' },
});

/** What a gate (`?gate=L2`) found: whether the level is met, and the controls of it that keep it from being met. */
export interface GateVerdict {
  level: Level;
  met: boolean;
  /** Controls of the level that fail (a waived failure counts toward the level, so it is not listed). */
  failing: ControlId[];
  /** Controls of the level without evidence. */
  unknown: ControlId[];
}

export function gateVerdict(controls: readonly Pick<ControlResult, 'id' | 'status' | 'levels'>[], level: Level): GateVerdict {
  const ofLevel = controls.filter((c) => c.levels.includes(level));
  return {
    level,
    met: meetsLevel(controls, level),
    failing: ofLevel.filter((c) => c.status === 'fail').map((c) => c.id),
    unknown: ofLevel.filter((c) => c.status === 'unknown').map((c) => c.id),
  };
}

/** The gate's one line and title in both languages: "L2 not met: 3.3, 3.8 fail; 3.12 unknown". */
export function gateTexts(g: GateVerdict): { title: Text; detail: Text } {
  if (g.met) return { title: T.title, detail: tx(T.met, { level: g.level }) };
  const reasons: Text[] = [];
  if (g.failing.length > 0) reasons.push(tx(T.failing, { controls: g.failing.join(', ') }));
  if (g.unknown.length > 0) reasons.push(tx(T.unknown, { controls: g.unknown.join(', ') }));
  return { title: T.title, detail: tx(T.notMet, { level: g.level, reasons: joinTexts(reasons, '; ') }) };
}
