import type { EvidencePart, SignatureReport, Source } from '../model/evidence.ts';
import { ArtifactError, get, isRecord, str } from './util.ts';

type Verified = SignatureReport['verified'][number];
const MAX_ERRORS = 20;
const MAX_ERROR_LENGTH = 300;

interface Collected {
  verified: Verified[];
  errors: string[];
  notes: string[];
  /** Something in the output was recognised as cosign or notation output. */
  recognised: boolean;
}

/**
 * Signature verification output: `cosign verify --output json IMAGE` (a JSON array of verified
 * payloads, classic `cosign container image signature` and `https://sigstore.dev/cosign/sign/v1`
 * alike; JSON lines; the stderr preamble "Verification for … --" before it) and `notation verify`
 * text. Failures (`Error: …`, `no matching signatures`) and an empty result are recorded as
 * errors, so they decide 3.7 as a failure. Docker Content Trust is retired and refused.
 */
export function parseSignature(content: unknown, source: Source): EvidencePart {
  const c: Collected = { verified: [], errors: [], notes: [], recognised: false };
  if (typeof content === 'string') fromText(content.replace(/^\uFEFF/, ''), c);
  else if (Array.isArray(content) || isRecord(content)) fromJson(content, '', c);
  else throw new ArtifactError('signature output must be text or JSON');
  if (!c.recognised) {
    throw new ArtifactError('not cosign verify or notation verify output (expected cosign verify --output json IMAGE)');
  }
  if (c.verified.length === 0 && c.errors.length === 0) c.errors.push('no signature was verified (the output lists none)');
  const report: SignatureReport = { source, verified: c.verified, errors: c.errors };
  return { signatures: [report], notes: c.notes };
}

function fromText(text: string, c: Collected): void {
  if (text.trim() === '') {
    c.recognised = true;
    c.errors.push('the verification output is empty: no signature was verified');
    return;
  }
  const whole = parseJson(text);
  if (whole !== undefined) {
    fromJson(whole, '', c);
    return;
  }
  const lines = text.split('\n');
  let triedRest = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const where = `line ${i + 1}`;
    if (line.startsWith('[') || line.startsWith('{')) {
      // After the stderr preamble the JSON may be pretty-printed over the rest of the output
      // (tried once, so JSON lines stay linear), or be one object a line.
      if (!triedRest && i + 1 < lines.length) {
        triedRest = true;
        const rest = parseJson(lines.slice(i).join('\n'));
        if (rest !== undefined) {
          fromJson(rest, `${where} `, c);
          return;
        }
      }
      const one = parseJson(line);
      if (one !== undefined) {
        fromJson(one, `${where} `, c);
        continue;
      }
    }
    textLine(line, where, c);
  }
}

const NOTATION_OK = 'Successfully verified signature for ';
const NOTATION_SKIPPED = 'Trust policy is configured to skip signature verification for ';

function textLine(line: string, where: string, c: Collected): void {
  if (line.startsWith(NOTATION_OK)) {
    c.recognised = true;
    const ref = line.slice(NOTATION_OK.length).trim();
    const at = ref.lastIndexOf('@');
    const digest = at > 0 ? ref.slice(at + 1) : null;
    c.verified.push({ digest: digest && /^sha(256|384|512):/.test(digest) ? digest : null, reference: at > 0 ? ref.slice(0, at) : ref, path: where });
    return;
  }
  const failure =
    /^Error:/i.test(line) ||
    line.includes('error during command execution') ||
    line.includes('no matching signatures') ||
    line.includes('no signatures found') ||
    line.startsWith(NOTATION_SKIPPED);
  if (failure) {
    c.recognised = true;
    if (c.errors.length < MAX_ERRORS) c.errors.push(`${where}: ${line.slice(0, MAX_ERROR_LENGTH)}`);
    return;
  }
  if (line.startsWith('Verification for ') || line.startsWith('The following checks were performed')) c.recognised = true;
  if (line.startsWith('Signatures for ') || /^SIGNED TAG\s/.test(line)) {
    throw new ArtifactError('this is Docker Content Trust output, which is retired and is no evidence; verify with cosign or notation', where);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `prefix` is '' for a JSON artifact (paths are pointers) or `line N ` for JSON inside text. */
function fromJson(value: unknown, prefix: string, c: Collected): void {
  if (Array.isArray(value)) {
    c.recognised = true;
    if (value.length === 0) c.errors.push(`${prefix ? `${prefix.trim()}: ` : ''}cosign verified no signatures (the list is empty)`);
    value.forEach((item, i) => payload(item, `${prefix}/${i}`, c));
  } else {
    payload(value, prefix.trim(), c);
  }
}

function payload(p: unknown, path: string, c: Collected): void {
  if (!isRecord(p)) {
    c.notes.push(`${path || '/'}: not a signature payload, ignored`);
    return;
  }
  if (get(p, 'SignedTags') !== undefined || get(p, 'AdministrativeKeys') !== undefined) {
    throw new ArtifactError('this is Docker Content Trust output, which is retired and is no evidence; verify with cosign or notation');
  }
  const critical = get(p, 'critical');
  if (!isRecord(critical)) {
    const what = get(p, 'payloadType') !== undefined ? 'an attestation, not an image signature' : 'not a signature payload';
    c.notes.push(`${path || '/'}: ${what}, ignored`);
    return;
  }
  c.recognised = true;
  c.verified.push({
    digest: str(get(get(critical, 'image'), 'docker-manifest-digest')),
    reference: str(get(get(critical, 'identity'), 'docker-reference')),
    path,
  });
}
