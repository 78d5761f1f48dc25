/**
 * A verdict in one language: control titles and general remediations from the registry (which
 * holds both), each finding's observation and remediation from the finding itself (made in both
 * languages where the rule decided), and "line 12" as "Zeile 12". Every presenter (API, CLI,
 * SARIF, JUnit, table, dashboard) goes through here, so the choice is made in one place.
 */
import { controlById } from '../controls/index.ts';
import type { ControlResult, EvaluationResult } from '../model/result.ts';
import { findingIn, type Lang } from '../model/text.ts';

/** One control's result in a language; English is returned as stored. */
export function controlIn<C extends Pick<ControlResult, 'id' | 'title' | 'remediation' | 'findings'>>(c: C, lang: Lang): C {
  if (lang === 'en') return c;
  const meta = controlById(c.id);
  return {
    ...c,
    title: meta?.title[lang] ?? c.title,
    remediation: meta?.remediation[lang] ?? c.remediation,
    findings: c.findings.map((f) => findingIn(f, lang)),
  };
}

/** A whole evaluation in a language. */
export function resultIn<R extends Pick<EvaluationResult, 'controls'>>(result: R, lang: Lang): R {
  if (lang === 'en') return result;
  return { ...result, controls: result.controls.map((c) => controlIn(c, lang)) };
}
