import { z } from '@hono/zod-openapi';
import { dateTime, STORABLE_TEXT_MESSAGE, storableText, text } from './fields.ts';
import { ARTIFACT_KINDS } from '../../workers/model/evidence.ts';
import { LEVELS } from '../../workers/model/result.ts';
import { CONTROL_IDS } from '../../workers/controls/index.ts';
import { MAX_RECORDED, REDACTION_KINDS } from '../../workers/redact/index.ts';
import { EXCERPT_MAX_CHARS } from '../../workers/engine/excerpts.ts';
import { WaiverTerms } from './waiver.ts';

export const WORKLOAD_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\/:-]{0,199}$/;
export const ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const ArtifactKind = z.enum(ARTIFACT_KINDS).openapi('ArtifactKind');
export const Level = z.enum(LEVELS).openapi('Level');

export const Workload = z
  .string()
  .regex(WORKLOAD_PATTERN, 'letters, digits and . _ / : - (up to 200), starting with a letter or digit')
  .openapi({ example: 'checkout-api' });
export const Environment = z
  .string()
  .regex(ENVIRONMENT_PATTERN, 'letters, digits and . _ - (up to 63), starting with a letter or digit')
  .openapi({ example: 'prod' });

export const CiMetadata = z
  .object({
    commit: text().max(200).optional(),
    ref: text().max(500).optional(),
    pipelineUrl: text().max(2000).optional(),
  })
  .catchall(text().max(2000))
  .refine((ci) => Object.keys(ci).every(storableText), `field names ${STORABLE_TEXT_MESSAGE}`)
  .openapi('CiMetadata');

export const ArtifactUpload = z
  .object({
    kind: ArtifactKind,
    name: text().min(1).max(500).optional(),
    content: z
      .union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
      .openapi({ description: 'The artifact as text, or for JSON kinds the parsed JSON itself' }),
  })
  .openapi('ArtifactUpload');

export const SnapshotUpload = z
  .object({
    workload: Workload,
    environment: Environment.optional(),
    observedAt: dateTime().optional(),
    ci: CiMetadata.optional(),
    artifacts: z.array(ArtifactUpload).min(1, 'at least one artifact is needed'),
  })
  .openapi('SnapshotUpload');
export type SnapshotUpload = z.infer<typeof SnapshotUpload>;

export const Excerpt = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('lines'),
      lines: z
        .array(z.object({ n: z.number().int().openapi({ description: 'Line number (1-based)' }), text: z.string(), hit: z.boolean().openapi({ description: 'The line the finding is about' }) }))
        .openapi({ description: 'The line the location names and one either side' }),
    }),
    z.object({
      type: z.literal('value'),
      key: z.string().openapi({ description: 'The last key of the JSON pointer' }),
      value: z.string().openapi({ description: 'The value as JSON; empty when the field is absent' }),
    }),
  ])
  .openapi('Excerpt', {
    description:
      `The source behind a failing or unknown finding, quoted when the finding was made from the redacted artifact: the lines around a Dockerfile line or a YAML path's line, or the value a JSON pointer names; each line or value at most ${EXCERPT_MAX_CHARS} characters. ` +
      'It outlives the artifact\'s text (RETAIN_ARTIFACTS_DAYS). Absent on passing findings, on findings stored before excerpts were kept, and where the place cannot be shown.',
  });

export const Finding = z
  .object({
    artifact: z.string(),
    kind: ArtifactKind,
    container: z.string().nullable(),
    location: z.string(),
    message: z.string(),
    status: z.enum(['pass', 'fail', 'unknown']),
    remediation: z.string().optional(),
    de: z
      .object({ message: z.string(), remediation: z.string().optional() })
      .optional()
      .openapi({ description: 'The observation and remediation in German (absent on findings stored before German was added); `?lang=de` puts them in `message`/`remediation`' }),
    excerpt: Excerpt.optional(),
  })
  .openapi('Finding');

/** The waiver that turned a control's `fail` into `waived`: part of its terms. */
export const AppliedWaiver = WaiverTerms.pick({ id: true, justification: true, approvedBy: true, expiresAt: true }).openapi('AppliedWaiver');

export const ControlResult = z
  .object({
    id: z.enum(CONTROL_IDS),
    status: z.enum(['pass', 'fail', 'unknown', 'waived']),
    levels: z.array(Level),
    title: z.string(),
    findings: z.array(Finding),
    remediation: z.string(),
    decidedBy: z.array(ArtifactKind).optional().openapi({ description: 'For unknown: the kinds that would decide it' }),
    waiver: AppliedWaiver.optional(),
  })
  .openapi('ControlResult');

export const LevelSummary = z
  .object({
    compliant: z.boolean(),
    pass: z.number().int(),
    fail: z.number().int(),
    unknown: z.number().int(),
    waived: z.number().int(),
  })
  .openapi('LevelSummary');

export const Redactions = z
  .object({
    total: z.number().int().openapi({ description: 'How many values were redacted' }),
    byKind: z.record(z.string(), z.number().int()),
    items: z
      .array(
        z.object({
          artifact: z.string().nullable().openapi({ description: 'The artifact; null for the CI metadata' }),
          kind: z.enum(REDACTION_KINDS),
          location: z.string().openapi({ example: '/0/Config/Env/3' }),
        }),
      )
      .openapi({ description: `Where (the first ${MAX_RECORDED}); never the values` }),
  })
  .openapi('Redactions', { description: 'Secrets redacted from the upload before it was stored (docs/security.md)' });

export const Snapshot = z
  .object({
    id: z.string().uuid(),
    team: z.string(),
    workload: z.string(),
    environment: z.string(),
    observedAt: z.string(),
    receivedAt: z.string(),
    status: z.enum(['pending', 'evaluated', 'failed']),
    engineVersion: z.string().nullable(),
    contentHash: z.string(),
    ci: CiMetadata.nullable(),
    artifacts: z.array(z.object({ kind: ArtifactKind, name: z.string(), size: z.number().int() })),
    controls: z.array(ControlResult).openapi({ description: 'All fifteen, in order 3.1 … 3.15 (empty while pending)' }),
    levels: z.object({ L1: LevelSummary, L2: LevelSummary, L3: LevelSummary }).nullable(),
    error: z.string().nullable().optional(),
    redactions: Redactions.nullable().optional().openapi({ description: 'null: uploaded before redaction existed' }),
  })
  .openapi('Snapshot');
export type Snapshot = z.infer<typeof Snapshot>;

/** The answer to an upload sent with `Prefer: return=minimal` (RFC 7240): what was stored and the levels, no findings. */
export const SnapshotSummary = Snapshot.pick({
  id: true,
  team: true,
  workload: true,
  environment: true,
  observedAt: true,
  receivedAt: true,
  status: true,
  engineVersion: true,
  contentHash: true,
  levels: true,
}).openapi('SnapshotSummary');
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const GATE_NOT_MET = 'urn:csvs:problem:gate-not-met';

export const Gate = z
  .object({
    level: Level,
    met: z.boolean(),
    failing: z.array(z.enum(CONTROL_IDS)).openapi({ description: 'Controls of the level that fail (waived failures count toward it and are not listed)' }),
    unknown: z.array(z.enum(CONTROL_IDS)).openapi({ description: 'Controls of the level without evidence' }),
  })
  .openapi('Gate');
export type Gate = z.infer<typeof Gate>;

/**
 * The 422 of `?gate=`: what failed first, then the snapshot as a 201 would carry it (API.md: "422
 * with the same body"). Problem-like members lead (`type`, `title`, `detail`), but `status` stays
 * the snapshot's, so the document is `application/json`, not `application/problem+json`.
 */
export const GatedSnapshot = z
  .object({
    type: z.literal(GATE_NOT_MET),
    title: z.string(),
    detail: z.string().openapi({ example: 'L2 not met: 3.3, 3.8 fail; 3.12 unknown', description: 'One line: the level and the controls that keep it from being met (in the language asked for)' }),
    gate: Gate,
    ...Snapshot.shape,
  })
  .openapi('GatedSnapshot', { description: 'A snapshot whose gate level is not met: what failed, then the whole snapshot' });
export type GatedSnapshot = z.infer<typeof GatedSnapshot>;

export const SnapshotPage = z
  .object({ items: z.array(Snapshot), nextCursor: z.string().nullable() })
  .openapi('SnapshotPage');
