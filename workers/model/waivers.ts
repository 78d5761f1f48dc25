import { summarizeLevels } from './levels.ts';
import type { ControlResult, Level, LevelSummary } from './result.ts';

export interface WaiverRule {
  id: string;
  controlId: string;
  /** A workload name or glob (`*` any run of characters, `?` one). */
  workloads: string;
  environment: string | null;
  justification: string;
  approvedBy: string;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
}

/** What every shown form of a waiver tells of its terms, in this order (reports, the API, events). */
export interface WaiverTerms {
  id: string;
  control: string;
  workloads: string;
  environment: string | null;
  justification: string;
  approvedBy: string;
  expiresAt: string;
}

/** A waiver's terms as shown: the control it waives, where, why, by whom, until when. */
export function waiverTerms(w: WaiverRule): WaiverTerms {
  return {
    id: w.id,
    control: w.controlId,
    workloads: w.workloads,
    environment: w.environment,
    justification: w.justification,
    approvedBy: w.approvedBy,
    expiresAt: w.expiresAt.toISOString(),
  };
}

export function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

/** Active at `at`: granted before it, not yet expired, not revoked by then. */
export function waiverActive(w: WaiverRule, at: Date): boolean {
  return w.createdAt <= at && w.expiresAt > at && (w.revokedAt === null || w.revokedAt > at);
}

export function waiverCovers(w: WaiverRule, controlId: string, workload: string, environment: string, at: Date): boolean {
  return (
    w.controlId === controlId &&
    (w.environment === null || w.environment === environment) &&
    globMatches(w.workloads, workload) &&
    waiverActive(w, at)
  );
}

export type WaivedControl<C> = C & { status: ControlResult['status']; waiver?: { id: string; justification: string; approvedBy: string; expiresAt: string } };

/**
 * Turns each `fail` covered by an active waiver into `waived` (which counts toward the level) and
 * recomputes the level summary. Waivers never touch `unknown`: missing evidence cannot be waived.
 */
export function applyWaivers<C extends Pick<ControlResult, 'id' | 'status' | 'levels'>>(
  controls: readonly C[],
  waivers: readonly WaiverRule[],
  workload: string,
  environment: string,
  at: Date,
): { controls: WaivedControl<C>[]; levels: Record<Level, LevelSummary>; waiversUsed: WaiverRule[] } {
  const used = new Map<string, WaiverRule>();
  const out = controls.map((c): WaivedControl<C> => {
    if (c.status !== 'fail') return c;
    const w = waivers.find((x) => waiverCovers(x, c.id, workload, environment, at));
    if (!w) return c;
    used.set(w.id, w);
    return {
      ...c,
      status: 'waived',
      waiver: { id: w.id, justification: w.justification, approvedBy: w.approvedBy, expiresAt: w.expiresAt.toISOString() },
    };
  });
  return { controls: out, levels: summarizeLevels(out), waiversUsed: [...used.values()] };
}
