import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Control } from './control.ts';
import { CONTROL_IDS, CONTROLS } from './index.ts';

/** The control modules in this folder, `3.N-what-it-checks.ts`. */
const MODULE_FILES = readdirSync(new URL('.', import.meta.url)).filter((f) => /^3\.\d+-.*\.ts$/.test(f) && !f.endsWith('.test.ts'));

describe('the control registry', () => {
  it('lists every control once, in the standard order, and the ids derive from it', () => {
    const ids = CONTROLS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const minor = (id: string) => Number(id.split('.')[1]);
    expect([...ids].sort((a, b) => minor(a) - minor(b))).toEqual(ids);
    expect(CONTROL_IDS).toEqual(ids);
  });

  it('registers every module file, each named after its control id', async () => {
    const registered = new Set<Control>(CONTROLS);
    expect(MODULE_FILES).toHaveLength(CONTROLS.length);
    for (const file of MODULE_FILES) {
      const { control } = (await import(`./${file}`)) as { control: Control };
      expect(registered.has(control)).toBe(true);
      expect(file.startsWith(`${control.id}-`)).toBe(true);
    }
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
    expect(at('L3')).toEqual(CONTROL_IDS);
    // The standard's chapter V3 has fifteen requirements; this is the one place that says so.
    expect(CONTROLS).toHaveLength(15);
  });
});
