import type { Context } from 'hono';
import { CONTROLS } from '../../../workers/controls/index.ts';
import type { ControlId, EvaluationResult } from '../../../workers/model/result.ts';
import { toJUnit } from '../../../workers/report/junit.ts';
import { toSarif } from '../../../workers/report/sarif.ts';
import type { AppEnv } from '../../env.ts';
import type { Snapshot } from '../../../services/schemas/snapshot.ts';

export const SARIF_TYPE = 'application/sarif+json';

/**
 * Answers with an evaluated snapshot in the format the client asked for: JSON by default,
 * SARIF 2.1.0 for code scanning, JUnit XML for CI test reports. The status is the caller's.
 */
export function respondWithSnapshot(c: Context<AppEnv>, view: Snapshot, status: 200 | 201 | 202 | 422): Response {
  const accept = (c.req.header('accept') ?? '').toLowerCase();
  if (view.status === 'evaluated' && view.levels) {
    const result: EvaluationResult = { engineVersion: view.engineVersion ?? '', controls: view.controls, levels: view.levels };
    const waivers = Object.fromEntries(
      view.controls.flatMap((ctl) => (ctl.waiver ? [[ctl.id, ctl.waiver.justification]] : [])),
    ) as Partial<Record<ControlId, string>>;
    if (accept.includes(SARIF_TYPE)) {
      return c.body(JSON.stringify(toSarif(result, { controls: CONTROLS, workload: view.workload, waivers })), status, {
        'content-type': SARIF_TYPE,
      });
    }
    if (accept.includes('application/xml') || accept.includes('text/xml')) {
      return c.body(toJUnit(result, { workload: view.workload, waivers }), status, { 'content-type': 'application/xml; charset=utf-8' });
    }
  }
  return c.json(view, status);
}
