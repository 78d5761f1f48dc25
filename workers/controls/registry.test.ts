import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROL_IDS } from '../model/result.ts';
import { CONTROL_MODULES, CONTROLS } from './index.ts';

describe('the control registry', () => {
  it('lists all fifteen controls once, in the standard order', () => {
    expect(CONTROLS.map((c) => c.id)).toEqual([...CONTROL_IDS]);
  });

  it('names each module file after its control id, and every module file is registered', () => {
    CONTROLS.forEach((c, i) => expect(CONTROL_MODULES[i]?.startsWith(`${c.id}-`)).toBe(true));
    const files = readdirSync(new URL('.', import.meta.url))
      .filter((f) => /^3\.\d+-.*\.ts$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual([...CONTROL_MODULES].sort());
  });

  it('gives every control levels as data, titles and texts in English and German, rules and a remediation', () => {
    for (const c of CONTROLS) {
      expect(c.levels.length).toBeGreaterThan(0);
      expect(c.title.en && c.title.de && c.text.en && c.text.de && c.rules && c.remediation).toBeTruthy();
      expect(c.decidedBy.length).toBeGreaterThan(0);
    }
  });

  it('matches the level table of the standard: L1 six controls, L2 ten, L3 all fifteen', () => {
    const at = (l: 'L1' | 'L2' | 'L3') => CONTROLS.filter((c) => c.levels.includes(l)).map((c) => c.id);
    expect(at('L1')).toEqual(['3.5', '3.8', '3.11', '3.12', '3.13', '3.15']);
    expect(at('L2')).toEqual(['3.1', '3.2', '3.5', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.15']);
    expect(at('L3')).toHaveLength(15);
  });
});
