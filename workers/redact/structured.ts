/**
 * Redaction of structured content (parsed JSON or YAML): docker inspect, image inspect, docker
 * info, Kubernetes manifests, Compose files, SBOMs, event and process JSON. Which rule applies
 * to a value follows from the field it sits in, the same way in every kind: `Env`/`environment`/
 * Kubernetes `env[].value` are environment values, `Cmd`/`command`/`args`/health check `test`
 * are command lines, `Labels`/`labels`/`annotations` are labels, a Kubernetes Secret's `data` is
 * secret as a whole, a field named like a secret holds one; every other string is searched for
 * secrets by their shape.
 *
 * The walk is iterative with a node budget, and copies only the containers on the way to a
 * changed value, so the input is never modified and unchanged content is shared.
 */
import { at as yamlAt } from '../parsers/kubernetes/paths.ts';
import { isRecord } from '../parsers/util.ts';
import { argvSpans, commandSpans } from './command.ts';
import { isSecretName, keepsEnvValue } from './names.ts';
import {
  applySpans,
  isVariableReference,
  PLACEHOLDER,
  Recorder,
  RedactionError,
  type RedactionKind,
  type RedactOptions,
  type Span,
} from './redaction.ts';
import { looksRandom, shapeSpans } from './shapes.ts';

export type PathSegment = string | number;

/** A changed value: where it is and what it became (for applying the change to YAML text). */
export interface Edit {
  path: PathSegment[];
  value: string;
}

export interface StructuredOptions extends RedactOptions {
  /** How locations are written: JSON pointers for JSON kinds, YAML paths for Kubernetes and Compose. */
  style: 'pointer' | 'yaml';
  /** Put before every location (`line 3`, for one event of a JSON-lines log). */
  prefix?: string;
  /** Nested JSON (a `last-applied-configuration` annotation) is redacted this deep, then blanked. */
  depth?: number;
  /** Return the changed paths (only YAML, edited in its text, needs them). */
  edits?: boolean;
}

export interface StructuredResult {
  value: unknown;
  changed: boolean;
  edits: Edit[];
}

/** Far above any real artifact (the YAML loader alone stops at 200,000 nodes); a bound for hostile JSON. */
const MAX_NODES = 5_000_000;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_NESTED_JSON = 2;

type Ctx =
  | 'generic'
  | 'env-list'
  | 'env-map'
  | 'arg-list'
  | 'arg-map'
  | 'argv'
  | 'k8s-env'
  | 'k8s-env-item'
  | 'labels'
  | 'label-list'
  | 'secret-data'
  | 'config-data'
  | 'cells';

/** Fields holding a command line: an argv array or a shell string. */
const COMMAND_KEYS = new Set(['Cmd', 'Entrypoint', 'Args', 'Test', 'Shell', 'OnBuild', 'command', 'entrypoint', 'test',
  'Action', 'status', 'created_by', 'CreatedBy', 'createdBy', 'cmd', 'args']);
const LABEL_KEYS = new Set(['Labels', 'labels', 'annotations', 'Attributes']);
/** Event attributes the parsers read; they are names and ids, not labels. */
const ATTRIBUTE_FIELDS = new Set(['name', 'image', 'execID', 'exitCode', 'container', 'signal']);

/** One container on the way from the root; a changed value below it gets the container copied. */
interface Link {
  parent: Link | null;
  key: PathSegment;
  node: unknown;
  ctx: Ctx;
  /** The nearest field name above (array elements inherit their array's). */
  field: string;
  copy: unknown;
}

/** Redacts a parsed JSON/YAML value; see the module comment for the rules. */
export function redactStructured(root: unknown, recorder: Recorder, options: StructuredOptions): StructuredResult {
  const first = new Walk(recorder, options, 'rules').run(root);
  if (recorder.secrets.size === 0) return first;
  // Secrets found anywhere are blanked everywhere else too (a password repeated in a health check).
  const second = new Walk(recorder, options, 'repeat', anyOf([...recorder.secrets.keys()])).run(first.value);
  if (!second.changed) return first;
  const edits = new Map<string, Edit>();
  for (const e of [...first.edits, ...second.edits]) edits.set(JSON.stringify(e.path), e);
  return { value: second.value, changed: true, edits: [...edits.values()] };
}

class Walk {
  private readonly recorder: Recorder;
  private readonly options: StructuredOptions;
  private readonly edits: Edit[] = [];
  /** `rules`: the first pass; `repeat`: the second, for other occurrences of secrets found in the first. */
  private readonly mode: 'rules' | 'repeat';
  /** In the second pass: matches a string holding any of the secrets found in the first. */
  private readonly secret: RegExp | null;
  private changes = 0;
  private nodes = 0;

  constructor(recorder: Recorder, options: StructuredOptions, mode: 'rules' | 'repeat', secret: RegExp | null = null) {
    this.recorder = recorder;
    this.options = options;
    this.mode = mode;
    this.secret = secret;
  }

  run(root: unknown): StructuredResult {
    if (!isContainer(root)) return { value: root, changed: false, edits: [] };
    const rootLink: Link = { parent: null, key: '', node: root, ctx: 'generic', field: '', copy: null };
    const rules = this.mode === 'rules';
    const stack: Link[] = [rootLink];
    while (stack.length > 0) {
      const link = stack.pop();
      if (!link) break;
      const argv = rules && link.ctx === 'argv' && Array.isArray(link.node);
      if (argv && Array.isArray(link.node)) this.argv(link, link.node);
      const visit = (key: PathSegment, child: unknown): void => {
        if (++this.nodes > MAX_NODES) throw new RedactionError(`the artifact has more than ${MAX_NODES} values`);
        const field = typeof key === 'string' ? key : link.field;
        if (child !== null && typeof child === 'object') {
          stack.push({ parent: link, key, node: child, ctx: childCtx(link, key, child), field, copy: null });
        } else if (!rules) {
          this.repeat(link, key, child);
        } else if (!(argv && typeof child === 'string')) {
          this.leaf(link, key, child, field);
        }
      };
      const node = link.node;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) visit(i, node[i]);
      } else {
        const record = node as Record<string, unknown>;
        for (const key of Object.keys(record)) visit(key, record[key]);
      }
    }
    const value = rootLink.copy ?? root;
    return { value, changed: this.changes > 0, edits: this.edits };
  }

  /** First pass: the rule of the leaf's context. */
  leaf(link: Link, key: PathSegment, value: unknown, field: string): void {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const text = String(value);
    switch (link.ctx) {
      case 'env-map':
      case 'arg-map':
        if (typeof key === 'string') this.env(link, key, key, text, link.ctx === 'env-map' ? 'env' : 'build-arg');
        return;
      case 'env-list':
      case 'k8s-env':
      case 'arg-list': {
        if (typeof value !== 'string') return;
        const eq = value.indexOf('=');
        if (eq <= 0) return;
        const kind = link.ctx === 'arg-list' ? 'build-arg' : 'env';
        const name = value.slice(0, eq);
        const kept = this.decideEnv(link, key, name, value.slice(eq + 1), kind);
        if (kept !== null) this.set(link, key, `${name}=${kept}`);
        return;
      }
      case 'k8s-env-item': {
        const name = (link.node as Record<string, unknown>).name;
        if (key === 'value' && typeof name === 'string') this.env(link, key, name, text, 'env');
        else this.generic(link, key, value, field);
        return;
      }
      case 'labels':
        if (typeof key === 'string') this.label(link, key, key, text);
        return;
      case 'label-list': {
        if (typeof value !== 'string') return;
        const eq = value.indexOf('=');
        if (eq <= 0) return this.generic(link, key, value, field);
        const name = value.slice(0, eq);
        const kept = this.decideLabel(link, key, name, value.slice(eq + 1));
        if (kept !== null) this.set(link, key, `${name}=${kept}`);
        return;
      }
      case 'secret-data':
        if (text !== '' && text !== PLACEHOLDER) {
          this.record(link, key, 'secret-data', text, true);
          this.set(link, key, PLACEHOLDER);
        }
        return;
      case 'config-data':
        if (typeof value === 'string') this.spans(link, key, value, [...configSpans(value), ...commandSpans(value), ...shapeSpans(value)]);
        return;
      case 'cells':
        if (typeof value === 'string') this.spans(link, key, value, [...commandSpans(value), ...shapeSpans(value)]);
        return;
      default:
        if (typeof value === 'string' && COMMAND_KEYS.has(field) && typeof key === 'string') {
          this.spans(link, key, value, commandLine(field, value));
          return;
        }
        this.generic(link, key, value, field);
    }
  }

  /** Second pass: another occurrence of a secret found in the first. */
  repeat(link: Link, key: PathSegment, value: unknown): void {
    if (typeof value !== 'string' || value.length < 8 || !this.secret?.test(value)) return;
    let out = value;
    let kind: RedactionKind | null = null;
    for (const [secret, k] of this.recorder.secrets) {
      if (!out.includes(secret)) continue;
      out = out.split(secret).join(PLACEHOLDER);
      kind ??= k;
    }
    if (kind === null) return;
    this.recorder.add(kind, () => this.location(link, key));
    this.set(link, key, out);
  }

  /** An argv array: flags and their values may be separate elements. */
  private argv(link: Link, list: unknown[]): void {
    const strings = list.map((v) => (typeof v === 'string' ? v : ''));
    const spans = argvSpans(strings);
    strings.forEach((s, i) => {
      if (typeof list[i] !== 'string') return;
      // Legacy image configs show the instruction that made a layer: `["/bin/sh","-c","#(nop) ENV A=x"]`.
      const history = s.includes('#(nop)') ? historySpans(s) : [];
      this.spans(link, i, s, [...(spans[i] ?? []), ...shapeSpans(s), ...history]);
    });
  }

  private generic(link: Link, key: PathSegment, value: unknown, field: string): void {
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    if (text === null) return;
    if (isSecretName(field) && redactable(text) && !isSwitch(text)) {
      this.record(link, key, 'secret-field', text, true);
      this.set(link, key, PLACEHOLDER);
      return;
    }
    if (typeof value === 'string') this.spans(link, key, value, shapeSpans(value));
  }

  private env(link: Link, key: PathSegment, name: string, value: string, kind: RedactionKind): void {
    const kept = this.decideEnv(link, key, name, value, kind);
    if (kept !== null) this.set(link, key, kept);
  }

  /** The new value of an environment entry, or null when it stays. */
  private decideEnv(link: Link, key: PathSegment, name: string, value: string, kind: RedactionKind): string | null {
    if (!redactable(value)) return null;
    if (keepsEnvValue(name, this.options.allowEnv)) return this.shapesOnly(link, key, value);
    this.record(link, key, kind, value, isSecretName(name) || looksRandom(value));
    return PLACEHOLDER;
  }

  private label(link: Link, key: PathSegment, name: string, value: string): void {
    if (name === LAST_APPLIED) return this.nested(link, key, value);
    if (link.field === 'Attributes' && ATTRIBUTE_FIELDS.has(name)) return this.generic(link, key, value, name);
    const kept = this.decideLabel(link, key, name, value);
    if (kept !== null) this.set(link, key, kept);
  }

  private decideLabel(link: Link, key: PathSegment, name: string, value: string): string | null {
    if (!redactable(value)) return null;
    if (isSecretName(name) && !isSwitch(value)) {
      this.record(link, key, 'secret-field', value, true);
      return PLACEHOLDER;
    }
    if (looksRandom(value)) {
      this.record(link, key, 'high-entropy', value, true);
      return PLACEHOLDER;
    }
    return this.shapesOnly(link, key, value);
  }

  /** `kubectl apply` keeps the whole object as JSON in an annotation: redacted by the same rules. */
  private nested(link: Link, key: PathSegment, value: string): void {
    const depth = this.options.depth ?? 0;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const location = (): string => this.location(link, key);
    if (depth >= MAX_NESTED_JSON || !isContainer(parsed)) {
      if (!redactable(value)) return;
      this.recorder.add('secret-field', location);
      this.set(link, key, PLACEHOLDER);
      return;
    }
    const inner = new Recorder();
    const result = redactStructured(parsed, inner, { ...this.options, prefix: '', depth: depth + 1, edits: false });
    for (const r of inner.redactions) this.recorder.add(r.kind, location);
    for (const [secret, kind] of inner.secrets) this.recorder.remember(secret, kind);
    if (result.changed) this.set(link, key, `${JSON.stringify(result.value)}${value.endsWith('\n') ? '\n' : ''}`);
  }

  /** Shape-recognised secrets in a value that is otherwise kept; the new value, or null if none. */
  private shapesOnly(link: Link, key: PathSegment, value: string): string | null {
    const spans = shapeSpans(value);
    if (spans.length === 0) return null;
    this.note(link, key, value, spans);
    return applySpans(value, spans, false);
  }

  private spans(link: Link, key: PathSegment, value: string, spans: readonly Span[]): void {
    if (spans.length === 0) return;
    const out = applySpans(value, spans, false);
    if (out === value) return;
    this.note(link, key, value, spans);
    this.set(link, key, out);
  }

  private note(link: Link, key: PathSegment, value: string, spans: readonly Span[]): void {
    for (const s of spans) this.record(link, key, s.kind, value.slice(s.start, s.end), s.strong === true);
  }

  private record(link: Link, key: PathSegment, kind: RedactionKind, secret: string, strong: boolean): void {
    this.recorder.add(kind, () => this.location(link, key));
    if (strong) this.recorder.remember(unquote(secret), kind);
  }

  private location(link: Link, key: PathSegment): string {
    const path = pathOf(link, key);
    const prefix = this.options.prefix ?? '';
    const written = this.options.style === 'pointer' ? jsonPointer(path) : yamlAt('', ...path);
    return prefix === '' ? written : `${prefix}${written === '' ? '' : ` ${written}`}`;
  }

  /** Sets a value in the copy, copying every container from the root to it that is not copied yet. */
  private set(link: Link, key: PathSegment, value: string): void {
    const container = this.copyOf(link) as Record<PathSegment, unknown>;
    define(container, key, value);
    this.changes++;
    if (this.options.edits === true) this.edits.push({ path: pathOf(link, key), value });
  }

  private copyOf(link: Link): unknown {
    if (link.copy !== null) return link.copy;
    const node = link.node;
    const copy = Array.isArray(node) ? node.slice() : { ...(node as Record<string, unknown>) };
    link.copy = copy;
    if (link.parent) define(this.copyOf(link.parent) as Record<PathSegment, unknown>, link.key, copy);
    return copy;
  }
}

/** Own data property even for `__proto__` (plain assignment would set the prototype). */
function define(container: Record<PathSegment, unknown>, key: PathSegment, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
  else container[key] = value;
}

/** RFC 6901, without a regex per segment: a large artifact makes many locations. */
function jsonPointer(path: readonly PathSegment[]): string {
  let out = '';
  for (const s of path) {
    const t = String(s);
    out += '/' + (t.includes('~') || t.includes('/') ? t.replaceAll('~', '~0').replaceAll('/', '~1') : t);
  }
  return out;
}

/** One expression for all secrets: a single scan per value instead of one per secret. */
function anyOf(secrets: readonly string[]): RegExp {
  return new RegExp(secrets.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

function isContainer(v: unknown): v is object {
  return Array.isArray(v) || isRecord(v);
}

function pathOf(link: Link, key: PathSegment): PathSegment[] {
  const path: PathSegment[] = [key];
  for (let l: Link | null = link; l && l.parent; l = l.parent) path.push(l.key);
  return path.reverse();
}

function redactable(value: string): boolean {
  return value.trim() !== '' && value !== PLACEHOLDER && !isVariableReference(value);
}

/** `true`/`false`/`yes`/`no`: a secret-named field holding a switch (`requirePassword: "true"`), not a secret. */
function isSwitch(value: string): boolean {
  return /^(?:true|false|yes|no|on|off|0|1|required|optional|none|disabled|enabled)$/i.test(value.trim());
}

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
}

/** The context of a container below `parent` at `key`. */
function childCtx(parent: Link, key: PathSegment, child: object): Ctx {
  if (parent.ctx === 'secret-data') return 'secret-data';
  if (parent.ctx === 'k8s-env' && isRecord(child)) return 'k8s-env-item';
  if (typeof key !== 'string') return parent.ctx === 'cells' ? 'cells' : 'generic';
  const list = Array.isArray(child);
  const underBuild = parent.key === 'build';
  if (key === 'Env' || key === 'environment') return list ? 'env-list' : 'env-map';
  if (key === 'args' && underBuild) return list ? 'arg-list' : 'arg-map';
  if (key === 'env' && list) return 'k8s-env';
  if (COMMAND_KEYS.has(key) && list) return 'argv';
  if (LABEL_KEYS.has(key)) return list ? 'label-list' : 'labels';
  const kind = isRecord(parent.node) ? parent.node.kind : undefined;
  if ((key === 'data' || key === 'stringData') && kind === 'Secret') return 'secret-data';
  if (key === 'data' && kind === 'ConfigMap') return 'config-data';
  if (key === 'Processes' && isRecord(parent.node) && Array.isArray(parent.node.Titles)) return 'cells';
  return 'generic';
}

/**
 * A command line in a string field. Image history lines carry the build's arguments
 * (`|2 NPM_TOKEN=… BASE=… /bin/sh -c npm ci`) and its `ENV`/`ARG` instructions, whose values
 * are redacted like any other environment value.
 */
function commandLine(field: string, value: string): Span[] {
  const spans = [...commandSpans(value), ...shapeSpans(value)];
  if (field === 'created_by' || field === 'CreatedBy' || field === 'createdBy' || value.includes('#(nop)')) spans.push(...historySpans(value));
  return spans;
}

/** `|2 A=x B=y cmd`, `/bin/sh -c #(nop)  ENV A=x`, `ARG A=x`: the values of the build's variables. */
export function historySpans(line: string): Span[] {
  const spans: Span[] = [];
  const buildArgs = /^(?:RUN )?\|(\d+) /.exec(line);
  let pos = 0;
  let count = 0;
  let kind: RedactionKind = 'build-arg';
  if (buildArgs) {
    pos = buildArgs[0].length;
    count = Math.min(Number(buildArgs[1]), 1000);
  } else {
    const m = /^(?:(?:\/bin\/sh -c )?#\(nop\)\s+)?(ENV|ARG)\s+/.exec(line);
    if (!m) return spans;
    pos = m[0].length;
    count = 1000;
    kind = m[1] === 'ENV' ? 'env' : 'build-arg';
  }
  for (let i = 0; i < count && pos < line.length; i++) {
    const eq = line.indexOf('=', pos);
    const space = line.indexOf(' ', pos);
    if (eq === -1 || (space !== -1 && space < eq)) break;
    const name = line.slice(pos, eq);
    // A value runs to the next ` NAME=` (history does not quote), or to the end of the line.
    let end = line.length;
    const next = /\s[A-Za-z_][A-Za-z0-9_]*=/g;
    next.lastIndex = eq + 1;
    const found = next.exec(line);
    if (buildArgs && found === null) end = line.indexOf(' ', eq + 1) === -1 ? line.length : line.indexOf(' ', eq + 1);
    else if (found) end = found.index;
    if (buildArgs && i === count - 1) end = line.indexOf(' ', eq + 1) === -1 ? line.length : line.indexOf(' ', eq + 1);
    const value = line.slice(eq + 1, end);
    if (value !== '' && !keepsEnvValue(name)) spans.push({ start: eq + 1, end, kind, strong: isSecretName(name) });
    pos = end + 1;
  }
  return spans;
}

/** `password: x` / `password=x` lines in a configuration file (a ConfigMap's, or any free text). */
export function configSpans(text: string): Span[] {
  const spans: Span[] = [];
  const line = /^[ \t]*["']?([A-Za-z_][A-Za-z0-9_.-]{0,100})["']?[ \t]*[:=][ \t]*(.*)$/gm;
  for (let m = line.exec(text); m; m = line.exec(text)) {
    const name = m[1] ?? '';
    const value = (m[2] ?? '').replace(/\s+$/, '');
    if (value === '' || !isSecretName(name) || isSwitch(value) || isVariableReference(value)) continue;
    const start = m.index + m[0].length - (m[2] ?? '').length;
    spans.push({ start, end: start + value.length, kind: 'secret-field', strong: true });
  }
  return spans;
}
