import type { ControlResult, ControlStatus, Level, LevelSummary } from './result.ts';
import { LEVELS } from './result.ts';

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
