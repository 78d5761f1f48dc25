import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { dateTime, text } from '../../../services/schemas/fields.ts';
import { access, authorizeTeam } from '../../auth.ts';
import type { AppEnv, Deps } from '../../env.ts';
import { DomainError } from '../../../services/errors.ts';
import { Environment, GATE_NOT_MET, GatedSnapshot, Level, Snapshot, SnapshotSummary, SnapshotUpload, Workload } from '../../../services/schemas/snapshot.ts';
import { Problem } from '../../problem.ts';
import type { TeamRef } from '../../../services/deps.ts';
import { listWaivers, toWaiverRule } from '../../../db/queries/waivers.ts';
import { ingestSnapshot, type IngestResult } from '../../../services/ingest.ts';
import { snapshotView } from '../../../services/snapshot-view.ts';
import { loadSnapshot } from '../../../services/snapshots.ts';
import { problems } from '../responses.ts';
import { TeamParam } from '../teams/schemas.ts';
import { LangQuery, respondWithSnapshot, SARIF_TYPE } from './respond.ts';
import { readUpload } from './upload-body.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

const Query = z.object({
  lang: LangQuery,
  async: z.enum(['true', 'false']).optional().openapi({ description: 'Store now, evaluate in the background (202)' }),
  gate: Level.optional().openapi({ description: 'Answer 422 (with the same body) when this level is not met' }),
  workload: text().optional().openapi({ description: 'Raw form: the workload' }),
  kind: text().optional().openapi({ description: 'Raw form: the artifact kind of the body' }),
  environment: text().optional().openapi({ description: 'Raw form: the environment' }),
  name: text().max(500).optional().openapi({ description: 'Raw form: the artifact name (e.g. its path)' }),
  observedAt: text().optional().openapi({ description: 'Raw form: when the snapshot was taken (ISO 8601 date-time)' }),
});


/**
 * The answer to an upload. A snapshot evaluated just now is shown from memory (only the team's
 * waivers are read), one just stored for the background as the pending row it is; a replayed or
 * unchanged one (an observation of a stored verdict)
 * is read back.
 */
async function freshView(deps: Deps, team: TeamRef, ingested: IngestResult): Promise<Snapshot> {
  const { row, result } = ingested;
  if (ingested.stored) {
    const { results, set, waivers } = ingested.stored;
    return snapshotView(row, team.slug, results, { ...set, redactions: ingested.redactions }, waivers.map(toWaiverRule), deps.clock());
  }
  // Stored for the background (async=true): pending is the answer, whatever a worker may have
  // done with it since; a read-back could find it evaluated already and answer 201 instead of 202.
  if (ingested.created && row.status === 'pending') {
    return snapshotView(row, team.slug, [], { artifacts: ingested.files.map((f) => ({ ...f, sha256: '' })), redactions: ingested.redactions }, [], deps.clock());
  }
  if (!ingested.created || !result) return (await loadSnapshot(deps.db, row.id, deps.clock())).view;
  const waivers = (ingested.waivers ?? (await listWaivers(deps.db, team.id))).map(toWaiverRule);
  const results = result.controls.map((ctl) => ({ evaluationId: row.evaluationId ?? row.id, controlId: ctl.id, status: ctl.status as 'pass' | 'fail' | 'unknown', findings: ctl.findings }));
  return snapshotView(row, team.slug, results, { artifacts: ingested.files.map((f) => ({ ...f, sha256: '' })), redactions: ingested.redactions }, waivers, deps.clock());
}

export function register(app: OpenAPIHono<AppEnv>): void {
  // Documented through the registry and validated by readUpload with the same schemas: the three
  // body forms share one path, which a single-content-type validator cannot express.
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/teams/{team}/snapshots',
    summary: 'Upload a snapshot (ingest); evaluated against CSVS V3 3.1–3.15',
    tags: ['snapshots'],
    request: {
      params: TeamParam,
      query: Query,
      headers: z.object({
        'idempotency-key': z
          .string()
          .regex(IDEMPOTENCY_KEY)
          .optional()
          .openapi({ description: 'Retries with the same key and body store nothing twice (1–200 visible ASCII characters)' }),
        prefer: text()
          .max(500)
          .optional()
          .openapi({ description: '`return=minimal`: answer with the snapshot\'s id, status and levels only (SnapshotSummary), no findings; a gated 422 still leads with its gate' }),
      }),
      body: {
        required: true,
        content: {
          'application/json': { schema: SnapshotUpload },
          'multipart/form-data': {
            schema: z.object({ workload: Workload, environment: Environment.optional(), observedAt: dateTime().optional() }).catchall(z.string().openapi({ format: 'binary' })),
          },
          'application/octet-stream': { schema: z.string().openapi({ description: 'One raw artifact, with ?workload=&kind=', format: 'binary' }) },
        },
      },
    },
    responses: {
      201: {
        description: 'Stored and evaluated',
        content: {
          'application/json': { schema: z.union([Snapshot, SnapshotSummary]) },
          [SARIF_TYPE]: { schema: z.object({}).passthrough() },
          'application/xml': { schema: z.string() },
        },
      },
      200: { description: 'An Idempotency-Key retry: the first upload', content: { 'application/json': { schema: Snapshot } } },
      202: { description: 'Stored; evaluation pending (async=true)', content: { 'application/json': { schema: Snapshot } } },
      ...problems(400, 401, 403, 404, 413, 415),
      422: {
        description:
          'An artifact could not be read (`application/problem+json`, type `urn:csvs:problem:invalid-artifact`), or the gate level is not met: ' +
          'the `gate` verdict and a one-line `detail` first, then the whole evaluated snapshot (`application/json`, type `' + GATE_NOT_MET + '`; ' +
          'SARIF and JUnit when asked for, as for 201)',
        content: {
          'application/json': { schema: GatedSnapshot },
          'application/problem+json': { schema: Problem },
          [SARIF_TYPE]: { schema: z.object({}).passthrough() },
          'application/xml': { schema: z.string() },
        },
      },
    },
  });

  app.post(
    '/v1/teams/:team/snapshots',
    access({ team: 'ingest', body: 'upload' }),
    async (c) => {
      const team = await authorizeTeam(c, c.req.param('team'), 'ingest');
      const query = Query.safeParse(c.req.query());
      if (!query.success) {
        const errors = query.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        throw new DomainError('query parameters are not valid', errors);
      }
      const idempotencyKey = c.req.header('idempotency-key') ?? null;
      if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new DomainError('the Idempotency-Key is not valid', [
          { path: 'Idempotency-Key', message: '1–200 visible ASCII characters' },
        ]);
      }
      const upload = await readUpload(c);
      const isAsync = query.data.async === 'true';
      const ingested = await ingestSnapshot(c.var.deps, c.var.principal, team, upload, { async: isAsync, idempotencyKey });
      const { row, created } = ingested;
      if (created && row.status === 'pending') await c.var.deps.queue.enqueue(row.id);
      const view = await freshView(c.var.deps, team, ingested);
      c.header('Location', `/v1/snapshots/${row.id}`);
      if (!created) c.header('Idempotent-Replayed', 'true');
      if (view.status === 'pending') return await respondWithSnapshot(c, view, 202);
      const gate = query.data.gate;
      if (gate && view.levels && !view.levels[gate].compliant) return await respondWithSnapshot(c, view, 422, gate);
      return await respondWithSnapshot(c, view, created ? 201 : 200);
    },
  );
}
