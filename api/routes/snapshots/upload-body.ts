import type { Context } from 'hono';
import { STORABLE_TEXT_MESSAGE, storableMoment, storableText } from '../../../services/schemas/fields.ts';
import { ARTIFACT_KINDS } from '../../../workers/model/evidence.ts';
import { isKind, PARSED_JSON_KINDS } from '../../../workers/engine/kinds.ts';
import type { ArtifactInput } from '../../../workers/model/artifacts.ts';
import type { AppEnv } from '../../env.ts';
import { DomainError, UnsupportedMediaType } from '../../../services/errors.ts';
import { Environment, SnapshotUpload, Workload } from '../../../services/schemas/snapshot.ts';
import type { UploadInput } from '../../../services/ingest.ts';

/** A 400 naming the offending fields. */
class BadRequest extends DomainError {
  override name = 'BadRequest';
}


/**
 * Reads the three equivalent upload forms of the public contract into one UploadInput:
 * JSON (`{ workload, artifacts: [...] }`), one raw artifact (`?workload=&kind=`), and multipart
 * (`-F workload=… -F dockerfile=@Dockerfile`). Field errors are collected, not thrown one by one.
 */
export async function readUpload(c: Context<AppEnv>): Promise<UploadInput> {
  const query = c.req.query();
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (query.kind !== undefined) return readRaw(c, query);
  if (type.startsWith('multipart/form-data')) return readMultipart(c);
  if (type.startsWith('application/json') || type.endsWith('+json')) return readJson(c);
  throw new UnsupportedMediaType(
    `send application/json, multipart/form-data, or one raw artifact with ?workload=…&kind=… (got "${type || 'no content type'}")`,
  );
}

async function readJson(c: Context<AppEnv>): Promise<UploadInput> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    // The parser's message quotes part of the body, which may hold a secret: say only what is wrong.
    throw new BadRequest('the body is not valid JSON', [{ path: '(body)', message: 'not valid JSON' }]);
  }
  const parsed = SnapshotUpload.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new BadRequest(`${errors.length} field(s) are not valid`, errors);
  }
  const u = parsed.data;
  const errors: { path: string; message: string }[] = [];
  u.artifacts.forEach((a, i) => {
    if (typeof a.content !== 'string' && !PARSED_JSON_KINDS.includes(a.kind)) {
      errors.push({ path: `artifacts.${i}.content`, message: `${a.kind} content must be text` });
    }
  });
  if (errors.length > 0) throw new BadRequest('artifact content of the wrong type', errors);
  return {
    workload: u.workload,
    environment: u.environment,
    observedAt: u.observedAt ? new Date(u.observedAt) : undefined,
    ci: u.ci as Record<string, string> | undefined,
    artifacts: u.artifacts.map((a) => ({ kind: a.kind, name: a.name ?? null, content: a.content })),
  };
}

async function readRaw(c: Context<AppEnv>, query: Record<string, string>): Promise<UploadInput> {
  const errors: { path: string; message: string }[] = [];
  const kind = query.kind ?? '';
  if (!isKind(kind)) errors.push({ path: 'kind', message: `unknown kind; one of ${ARTIFACT_KINDS.join(', ')}` });
  const meta = readMeta({ workload: query.workload, environment: query.environment, observedAt: query.observedAt }, errors);
  const content = decode(new Uint8Array(await c.req.arrayBuffer()));
  if (content.trim() === '') errors.push({ path: '(body)', message: 'the artifact is empty' });
  if (errors.length > 0 || !isKind(kind)) throw new BadRequest(`${errors.length} field(s) are not valid`, errors);
  const name = query.name?.slice(0, 500) || null;
  if (name !== null && !storableText(name)) throw new BadRequest('the artifact name is not valid', [{ path: 'name', message: STORABLE_TEXT_MESSAGE }]);
  return { ...meta, artifacts: [{ kind, name, content }] };
}

async function readMultipart(c: Context<AppEnv>): Promise<UploadInput> {
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new BadRequest('the multipart body could not be read', [{ path: '(body)', message: 'malformed multipart' }]);
  }
  const errors: { path: string; message: string }[] = [];
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const meta = readMeta({ workload: field('workload'), environment: field('environment'), observedAt: field('observedAt') }, errors);
  const artifacts: ArtifactInput[] = [];
  for (const [name, value] of form.entries()) {
    if (name === 'workload' || name === 'environment' || name === 'observedAt') continue;
    if (!isKind(name)) {
      errors.push({ path: name, message: `unknown kind; part names are kinds: ${ARTIFACT_KINDS.join(', ')}` });
      continue;
    }
    const isFile = typeof value !== 'string';
    if (isFile && !storableText(value.name)) {
      errors.push({ path: name, message: `the file name ${STORABLE_TEXT_MESSAGE}` });
      continue;
    }
    const content = isFile ? decode(new Uint8Array(await value.arrayBuffer())) : value;
    if (content.trim() === '') errors.push({ path: name, message: 'the artifact is empty' });
    artifacts.push({ kind: name, name: isFile && value.name ? value.name : null, content });
  }
  if (artifacts.length === 0 && errors.length === 0) errors.push({ path: '(body)', message: 'no artifact part; name each part by its kind' });
  if (errors.length > 0) throw new BadRequest(`${errors.length} field(s) are not valid`, errors);
  return { ...meta, artifacts };
}

function readMeta(
  raw: { workload: string | undefined; environment: string | undefined; observedAt: string | undefined },
  errors: { path: string; message: string }[],
): Omit<UploadInput, 'artifacts'> {
  const workload = Workload.safeParse(raw.workload);
  if (!workload.success) errors.push({ path: 'workload', message: raw.workload === undefined ? 'required' : (workload.error.issues[0]?.message ?? 'invalid') });
  let environment: string | undefined;
  if (raw.environment !== undefined && raw.environment !== '') {
    const env = Environment.safeParse(raw.environment);
    if (env.success) environment = env.data;
    else errors.push({ path: 'environment', message: env.error.issues[0]?.message ?? 'invalid' });
  }
  let observedAt: Date | undefined;
  if (raw.observedAt !== undefined && raw.observedAt !== '') {
    const d = new Date(raw.observedAt);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(raw.observedAt)) {
      errors.push({ path: 'observedAt', message: 'an ISO 8601 date-time, e.g. 2026-11-28T10:00:00Z' });
    } else if (!storableMoment(d.getTime())) {
      errors.push({ path: 'observedAt', message: 'must fall in the years 0001–9999 (UTC)' });
    } else observedAt = d;
  }
  return { workload: workload.success ? workload.data : '', environment, observedAt };
}

/** Artifacts are text; invalid UTF-8 is replaced rather than refused (logs from odd locales). */
function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
