import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CONTROLS } from '../../../workers/controls/index.ts';
import type { ControlId, EvaluationResult } from '../../../workers/model/result.ts';
import { isLang, type Lang, langFromAcceptLanguage } from '../../../workers/model/text.ts';
import { toJUnit } from '../../../workers/report/junit.ts';
import { controlIn } from '../../../workers/report/localize.ts';
import { toSarif } from '../../../workers/report/sarif.ts';
import type { AppEnv } from '../../env.ts';
import { GATE_NOT_MET, type GatedSnapshot, type Snapshot, type SnapshotSummary } from '../../../services/schemas/snapshot.ts';
import { gateTexts, gateVerdict } from '../../../workers/model/levels.ts';
import type { Level } from '../../../workers/model/result.ts';
import { artifactTexts } from '../../../services/excerpts.ts';

export const SARIF_TYPE = 'application/sarif+json';

/** `?lang=`: the language of findings, titles and remediations (else `Accept-Language`, else English). */
export const LangQuery = z.enum(['en', 'de']).optional().openapi({
  description: 'Language of findings, control titles and remediations: en or de (default: Accept-Language, else en)',
});

/** `?lang=` wins over `Accept-Language`; English when neither names a language we speak. */
export function requestLang(c: Context<AppEnv>): Lang {
  const asked = c.req.query('lang');
  return isLang(asked) ? asked : langFromAcceptLanguage(c.req.header('accept-language'));
}

/** What a gated 422 leads with: the gate's verdict and one line saying what failed. */
function gateHead(stored: Snapshot, gate: Level, lang: Lang): Pick<GatedSnapshot, 'type' | 'title' | 'detail' | 'gate'> {
  const verdict = gateVerdict(stored.controls, gate);
  const texts = gateTexts(verdict);
  return { type: GATE_NOT_MET, title: texts.title[lang], detail: texts.detail[lang], gate: verdict };
}

/** `Prefer: return=minimal` (RFC 7240 §4.2), among other preferences or alone. */
export function prefersMinimal(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((p) => /^\s*return\s*=\s*"?minimal"?\s*(;|$)/i.test(p));
}

/**
 * Answers with an evaluated snapshot in the format the client asked for: JSON by default,
 * SARIF 2.1.0 for code scanning, JUnit XML for CI test reports. The status is the caller's.
 */
export async function respondWithSnapshot(c: Context<AppEnv>, stored: Snapshot, status: 200 | 201 | 202 | 422, gate?: Level): Promise<Response> {
  const accept = (c.req.header('accept') ?? '').toLowerCase();
  const lang = requestLang(c);
  c.header('content-language', lang);
  c.header('vary', 'Accept, Accept-Language, Prefer');
  if (prefersMinimal(c.req.header('prefer')) && !accept.includes(SARIF_TYPE) && !accept.includes('xml')) {
    // A client that keeps only the id and the levels (the agent) is spared the findings.
    c.header('preference-applied', 'return=minimal');
    const { id, team, workload, environment, observedAt, receivedAt, status: state, engineVersion, contentHash, levels } = stored;
    const summary: SnapshotSummary = { id, team, workload, environment, observedAt, receivedAt, status: state, engineVersion, contentHash, levels };
    return c.json(gate && stored.status === 'evaluated' ? { ...gateHead(stored, gate, lang), ...summary } : summary, status);
  }
  const view: Snapshot = lang === 'en' ? stored : { ...stored, controls: stored.controls.map((ctl) => controlIn(ctl, lang)) };
  if (view.status === 'evaluated' && view.levels) {
    // The renderers localize themselves; they get the stored (English) verdict and the language.
    const result: EvaluationResult = { engineVersion: view.engineVersion ?? '', controls: stored.controls, levels: view.levels };
    const waivers = Object.fromEntries(
      view.controls.flatMap((ctl) => (ctl.waiver ? [[ctl.id, ctl.waiver.justification]] : [])),
    ) as Partial<Record<ControlId, string>>;
    if (accept.includes(SARIF_TYPE)) {
      // The stored (redacted) texts place results on their lines; read only when SARIF is asked for.
      const sources = await artifactTexts(c.var.deps.db, view.id);
      return c.body(JSON.stringify(toSarif(result, { controls: CONTROLS, workload: view.workload, waivers, lang, sources })), status, {
        'content-type': SARIF_TYPE,
      });
    }
    if (accept.includes('application/xml') || accept.includes('text/xml')) {
      return c.body(toJUnit(result, { workload: view.workload, waivers, lang }), status, { 'content-type': 'application/xml; charset=utf-8' });
    }
  }
  if (gate && view.status === 'evaluated') {
    // What failed leads, so `curl --fail-with-body` shows it first; the snapshot follows whole.
    const body: GatedSnapshot = { ...gateHead(stored, gate, lang), ...view };
    return c.json(body, status);
  }
  return c.json(view, status);
}
