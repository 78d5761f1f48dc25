/**
 * What the upload statements (observations.ts, changes.ts) share: reading a raw result, the
 * team's waivers as one JSON value, and rows given back as JSON text.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { SnapshotRow } from './snapshots.ts';
import type { WaiverRow } from './waivers.ts';

/** What an upload statement writes of the snapshot row itself: the upload's own id, times and metadata. */
export interface UploadFields {
  id: string;
  teamId: string;
  workload: string;
  environment: string;
  observedAt: Date;
  receivedAt: Date;
  ci: Record<string, string> | null;
  contentHash: string;
  idempotencyKey: string | null;
  uploadedBy: string | null;
}

/** postgres.js answers an array of rows; PGlite `{ rows }`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new Error('the database driver returned no rows');
  return rows as Record<string, unknown>[];
}

/** The waivers of the team `teamId` (an SQL expression), newest first, as JSON text. */
export const waiversJson = (teamId: SQL): SQL => sql`(select coalesce(json_agg(json_build_object(
      'id', w.id, 'teamId', w.team_id, 'controlId', w.control_id, 'workloads', w.workloads, 'environment', w.environment,
      'justification', w.justification, 'approvedBy', w.approved_by, 'createdAt', w.created_at, 'expiresAt', w.expires_at,
      'revokedAt', w.revoked_at, 'revokedBy', w.revoked_by) order by w.created_at desc), '[]')::text
     from waivers w where w.team_id = ${teamId})`;

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(String(v)));

export function parseWaivers(text: unknown): WaiverRow[] {
  return (JSON.parse(String(text)) as Record<string, unknown>[]).map((w) => ({
    id: String(w.id),
    teamId: String(w.teamId),
    controlId: String(w.controlId),
    workloads: String(w.workloads),
    environment: w.environment === null ? null : String(w.environment),
    justification: String(w.justification),
    approvedBy: String(w.approvedBy),
    createdAt: date(w.createdAt) ?? new Date(Number.NaN),
    expiresAt: date(w.expiresAt) ?? new Date(Number.NaN),
    revokedAt: date(w.revokedAt),
    revokedBy: w.revokedBy === null || w.revokedBy === undefined ? null : String(w.revokedBy),
  }));
}

/** A snapshot row given back by `row_to_json` (column names as in the table). */
export function snapshotFromJson(text: string): SnapshotRow {
  const r = JSON.parse(text) as Record<string, unknown>;
  const textOrNull = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    teamId: String(r.team_id),
    workload: String(r.workload),
    environment: String(r.environment),
    observedAt: date(r.observed_at) ?? new Date(Number.NaN),
    receivedAt: date(r.received_at) ?? new Date(Number.NaN),
    ci: (r.ci ?? null) as SnapshotRow['ci'],
    contentHash: String(r.content_hash),
    idempotencyKey: textOrNull(r.idempotency_key),
    status: r.status as SnapshotRow['status'],
    engineVersion: textOrNull(r.engine_version),
    evaluatedAt: date(r.evaluated_at),
    attempts: Number(r.attempts ?? 0),
    error: textOrNull(r.error),
    uploadedBy: textOrNull(r.uploaded_by),
    redactions: (r.redactions ?? null) as SnapshotRow['redactions'],
    accessed: (r.accessed ?? null) as SnapshotRow['accessed'],
    setId: String(r.set_id),
    evaluationId: textOrNull(r.evaluation_id),
  };
}
