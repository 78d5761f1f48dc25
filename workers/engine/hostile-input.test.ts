/**
 * Hostile input (issue 2): whatever an artifact holds, `evaluate()` returns fifteen well-formed
 * controls, never throws, and reports an artifact it cannot read as an `unknown` finding on every
 * control its kind could decide. Property tests (fast-check) over every kind, then the named
 * worst cases with their sizes. Times are printed, never asserted (project rule); vitest's
 * per-test timeout is the only "completes" check.
 */
import * as fc from 'fast-check';
import { load as loadYaml, loadAll as loadAllYaml, dump as dumpYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aliasBomb,
  continuationDockerfile,
  deepArray,
  deepArrayText,
  deepObject,
  deepObjectText,
  fixtureTexts,
  inspectArray,
  PROTO_ARTIFACTS,
  PROTO_KEYS,
  withNuls,
} from '../../test/fixtures/hostile/inputs.ts';
import { CONTROLS, controlById, CONTROL_IDS } from '../controls/index.ts';
import { evaluate, statusOf } from './evaluate.ts';
import { ARTIFACT_KINDS, type ArtifactKind, type Evidence } from '../model/evidence.ts';
import type { ArtifactInput } from '../model/artifacts.ts';
import { artifactNames, PARSED_JSON_KINDS } from './kinds.ts';
import { buildEvidence } from './parse.ts';
import { type ControlId, type EvaluationResult, type FindingStatus, LEVELS } from '../model/result.ts';

const STATUSES: readonly string[] = ['pass', 'fail', 'unknown'];
/** Kinds that take only text; parsed JSON given for them is refused. */
const TEXT_ONLY: readonly ArtifactKind[] = ['dockerfile', 'packages', 'processes'];
/** Kinds that take only JSON: text that is no JSON object or array cannot be read. */
const JSON_ONLY: readonly ArtifactKind[] = ['docker-inspect', 'docker-image-inspect', 'docker-info', 'sbom'];
/** Kinds whose content may be handed over already parsed (the JSON upload form). */
const ACCEPTS_PARSED: readonly ArtifactKind[] = [...PARSED_JSON_KINDS, 'docker-events'];

/**
 * Moderate run counts: the whole file stays well under a minute on a loaded 2-core machine.
 * `HOSTILE_RUNS=20 npx vitest run workers/engine/hostile-input.test.ts` searches twenty times longer.
 */
const SCALE = Math.max(1, Number(process.env.HOSTILE_RUNS ?? 1) || 1);
const RUNS = { small: 40 * SCALE, mutations: 60 * SCALE } as const;

// ---------------------------------------------------------------- the checks every result must pass

/**
 * Everything wrong with a result, as readable lines (so a failure names the control and finding,
 * and 600,000 findings are checked without 600,000 `expect` calls).
 */
function problemsOf(result: EvaluationResult, inputs: readonly ArtifactInput[]): string[] {
  const problems: string[] = [];
  const names = artifactNames(inputs);
  const kindOf = new Map(names.map((n, i) => [n, inputs[i]?.kind]));
  const ids = result.controls.map((c) => c.id);
  if (ids.join() !== CONTROL_IDS.join()) problems.push(`controls are ${ids.join()}, not the fifteen in order`);
  if (typeof result.engineVersion !== 'string' || result.engineVersion === '') problems.push('no engineVersion');
  for (const c of result.controls) {
    const def = controlById(c.id);
    if (!def) continue;
    if (!STATUSES.includes(c.status)) problems.push(`${c.id}: status ${String(c.status)}`);
    // The worst of its findings, except that a pass that does not cover every container is unknown.
    const worst = statusOf(c.findings);
    if (c.status !== worst && !(worst === 'pass' && c.status === 'unknown')) {
      problems.push(`${c.id}: status ${c.status} is not the worst of its findings`);
    }
    if (c.levels.join() !== def.levels.join()) problems.push(`${c.id}: levels ${c.levels.join()}`);
    if (c.title !== def.title.en || c.remediation !== def.remediation.en) problems.push(`${c.id}: title or remediation changed`);
    if ((c.status === 'unknown') !== (c.decidedBy !== undefined)) problems.push(`${c.id}: decidedBy only and always on unknown`);
    c.findings.forEach((f, i) => {
      const at = `${c.id} finding ${i}`;
      if (!kindOf.has(f.artifact)) problems.push(`${at}: artifact ${JSON.stringify(f.artifact)} is not in the snapshot`);
      else if (kindOf.get(f.artifact) !== f.kind) problems.push(`${at}: kind ${f.kind} is not its artifact's kind`);
      if (!(ARTIFACT_KINDS as readonly string[]).includes(f.kind)) problems.push(`${at}: kind ${String(f.kind)}`);
      if (f.container !== null && typeof f.container !== 'string') problems.push(`${at}: container ${String(f.container)}`);
      if (typeof f.location !== 'string') problems.push(`${at}: location ${String(f.location)}`);
      if (typeof f.message !== 'string' || f.message.trim() === '') problems.push(`${at}: empty message`);
      else if (f.message.startsWith('internal error')) problems.push(`${at}: a rule crashed: ${f.message}`);
      if (!STATUSES.includes(f.status)) problems.push(`${at}: status ${String(f.status)}`);
      if (f.remediation !== undefined && (f.status !== 'fail' || typeof f.remediation !== 'string' || f.remediation === '')) {
        problems.push(`${at}: remediation on a ${f.status} finding`);
      }
    });
  }
  for (const level of LEVELS) {
    const s = result.levels[level];
    const counted = result.controls.filter((c) => c.levels.includes(level));
    if (s.pass + s.fail + s.unknown + s.waived !== counted.length) problems.push(`${level}: counts do not add up`);
    if (s.compliant !== (s.fail === 0 && s.unknown === 0)) problems.push(`${level}: compliant is wrong`);
  }
  return problems;
}

/** An artifact that could not be read shows as `unknown` on every control its kind could decide. */
function unreportedErrors(result: EvaluationResult, evidence: Evidence): string[] {
  const problems: string[] = [];
  for (const a of evidence.artifacts) {
    if (a.error === null) continue;
    const error = a.error;
    for (const def of CONTROLS) {
      if (!def.decidedBy.includes(a.source.kind)) continue;
      const shown = result.controls.find((c) => c.id === def.id)?.findings.some((f) =>
        f.artifact === a.source.artifact && f.status === 'unknown' && f.message.includes(error));
      if (!shown) problems.push(`${def.id}: unreadable ${a.source.artifact} (${error}) is not reported`);
    }
  }
  return problems;
}

/** Runs the engine as a caller would and checks the result; returns both for further looks. */
function run(inputs: ArtifactInput[]): { result: EvaluationResult; evidence: Evidence } {
  const result = evaluate({ artifacts: inputs });
  const evidence = buildEvidence(inputs);
  expect([...problemsOf(result, inputs), ...unreportedErrors(result, evidence)]).toEqual([]);
  return { result, evidence };
}

/** The artifact could not be read (and `run` has checked that this is reported). */
function expectUnreadable(evidence: Evidence, index = 0): void {
  expect(evidence.artifacts[index]?.error).toEqual(expect.any(String));
}

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  const value = f();
  console.log(`[hostile] ${label}: ${(performance.now() - start).toFixed(0)} ms`);
  return value;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Object.prototype and friends exactly as they were: no key added, none replaced. */
function prototypeState(): string {
  const describe = (o: object): string =>
    Object.getOwnPropertyNames(o).sort().map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k);
      return `${k}:${typeof d?.value}:${String(d?.enumerable)}`;
    }).join(',');
  return [Object.prototype, Array.prototype, String.prototype, Function.prototype].map(describe).join('|');
}

let prototypesBefore = '';
beforeAll(() => {
  prototypesBefore = prototypeState();
});
afterAll(() => {
  // Checked once more at the very end, after every hostile input of the file has been read.
  expect(prototypeState()).toBe(prototypesBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

// ---------------------------------------------------------------- arbitraries

/** Keys the parsers look for, mixed with Object.prototype members, so trees reach deep into them. */
const KEYS = [
  ...PROTO_KEYS, 'Id', 'Name', 'Config', 'HostConfig', 'State', 'User', 'SecurityOpt', 'Mounts', 'Binds', 'ExecIDs',
  'PidsLimit', 'Healthcheck', 'Test', 'kind', 'apiVersion', 'metadata', 'spec', 'template', 'containers', 'items',
  'securityContext', 'name', 'image', 'ports', 'services', 'volumes', 'components', 'packages', 'bomFormat',
  'spdxVersion', 'critical', 'identity', 'Type', 'Action', 'Actor', 'ID', 'time', 'timeNano', 'Titles', 'Processes',
  'SecurityOptions', 'ServerVersion', 'RepoTags', 'ExposedPorts', 'Env', 'Labels',
];
const LEAVES = [
  null, true, false, 0, -1, 1, 22, 65536, '', 'root', '0', '0:0', 'List', 'Pod', 'Deployment', 'CronJob', 'Service',
  'KubeletConfiguration', 'ClusterPolicy', 'CycloneDX', 'SPDX-2.3', 'container', 'exec_start: sh', 'destroy',
  'seccomp=unconfined', 'no-new-privileges', '/var/run/docker.sock', '22/tcp', 'CMD-SHELL', '__proto__',
];

/** Builds an object with own keys only: `__proto__` stays a plain key, as JSON.parse makes it. */
function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const { tree: hostileTree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object')),
  leaf: fc.oneof(fc.constantFrom(...LEAVES), fc.string({ maxLength: 20 }), fc.integer(), fc.double()),
  array: fc.array(tie('tree'), { maxLength: 4 }),
  object: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('tree')), { maxLength: 6 }).map(ownObject),
}));

/** Any text at all: ASCII and full-Unicode strings, and random bytes decoded as UTF-8 (invalid ones replaced). */
const anyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.uint8Array({ maxLength: 600 }).map((b) => new TextDecoder().decode(b)),
);

/** Text of C0 control characters only (no whitespace): nothing a reader could take for an artifact. */
const controlGarbage = fc.string({
  unit: fc.constantFrom('\u0000', '\u0001', '\u0002', '\u0007', '\u0008', '\u000e', '\u001b', '\u001f', '\u007f'),
  minLength: 1,
  maxLength: 200,
});

// ---------------------------------------------------------------- mutations of realistic fixtures

type TextMutation =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'char'; at: number; char: string }
  | { op: 'word'; nth: number; word: string }
  | { op: 'swapLines'; a: number; b: number };

const SPECIAL_CHARS = ['\u0000', '"', "'", '{', '}', '[', ']', ':', ',', '\n', '\\', '&', '*', '!', '-', ' ', '\t', '#', '$', '|', '\uFEFF', '\uD800'];
/** Replacement words: prototype members, other types, YAML specials. */
const WORDS = [...PROTO_KEYS, '0', '-1', '99999999999999999999', 'null', 'true', '[]', '{}', '~', '*a', '&a', '!!binary', 'root', '0:0'];

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom(...SPECIAL_CHARS)) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ op: fc.constant('char' as const), at: fc.nat(), char: fc.constantFrom(...SPECIAL_CHARS) }),
  fc.record({ op: fc.constant('word' as const), nth: fc.nat(), word: fc.constantFrom(...WORDS) }),
  fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
);

function applyText(text: string, m: TextMutation): string {
  const n = text.length;
  const pos = (at: number): number => (n === 0 ? 0 : at % (n + 1));
  switch (m.op) {
    case 'truncate':
      return text.slice(0, pos(m.at));
    case 'insert':
      return text.slice(0, pos(m.at)) + m.text + text.slice(pos(m.at));
    case 'delete':
      return text.slice(0, pos(m.at)) + text.slice(pos(m.at) + m.length);
    case 'duplicate': {
      const at = pos(m.at);
      return text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at + m.length);
    }
    case 'char':
      return text.slice(0, pos(m.at)) + m.char + text.slice(pos(m.at) + 1);
    case 'word': {
      const words = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_.-]*/g)];
      const w = words.length === 0 ? undefined : words[m.nth % words.length];
      if (!w) return text;
      return text.slice(0, w.index) + m.word + text.slice(w.index + w[0].length);
    }
    case 'swapLines': {
      const lines = text.split('\n');
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
  }
}

/** Every value in a JSON tree with the place that holds it, walked without recursion. */
function slots(root: unknown): { holder: Record<string, unknown> | unknown[]; key: string | number }[] {
  const out: { holder: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      v.forEach((child, i) => {
        out.push({ holder: v, key: i });
        stack.push(child);
      });
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        out.push({ holder: o, key: k });
        stack.push(o[k]);
      }
    }
  }
  return out;
}

function setSlot(holder: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  // defineProperty, not assignment: `o['__proto__'] = v` would replace the prototype instead.
  Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The same value as another JSON type: what a wrong exporter or a hand edit produces. */
function swapType(v: unknown, pick: number): unknown {
  const text = JSON.stringify(v) ?? '';
  const options: unknown[] = [null, 0, -1, 1.5, '', text, text.length > 0, [], {}, [v], { value: v }, Number(text)];
  return options[pick % options.length];
}

type TreeMutation =
  | { op: 'swap'; nth: number; pick: number }
  | { op: 'replace'; nth: number; value: unknown }
  | { op: 'addKey'; nth: number; key: string; value: unknown }
  | { op: 'remove'; nth: number };

const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  fc.record({ op: fc.constant('swap' as const), nth: fc.nat(), pick: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), nth: fc.nat(), value: hostileTree }),
  fc.record({ op: fc.constant('addKey' as const), nth: fc.nat(), key: fc.constantFrom(...KEYS), value: hostileTree }),
  fc.record({ op: fc.constant('remove' as const), nth: fc.nat() }),
);

function applyTree(root: unknown, m: TreeMutation): void {
  const all = slots(root);
  const slot = all.length === 0 ? undefined : all[m.nth % all.length];
  if (!slot) return;
  const current = (slot.holder as Record<string | number, unknown>)[slot.key];
  if (m.op === 'swap') setSlot(slot.holder, slot.key, swapType(current, m.pick));
  else if (m.op === 'replace') setSlot(slot.holder, slot.key, m.value);
  else if (m.op === 'remove') {
    if (Array.isArray(slot.holder)) slot.holder.splice(Number(slot.key), 1);
    else delete slot.holder[String(slot.key)];
  } else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    setSlot(current as Record<string, unknown>, m.key, m.value);
  }
}

/** A fixture parsed into a tree: JSON, or YAML documents for the YAML kinds. */
function treeOf(kind: ArtifactKind, text: string): unknown {
  if (kind === 'kubernetes') {
    try {
      return loadAllYaml(text);
    } catch {
      return undefined;
    }
  }
  if (kind === 'compose') {
    try {
      return loadYaml(text);
    } catch {
      return undefined;
    }
  }
  if (kind === 'docker-events') {
    // JSON lines: the array of their objects, which the parser takes too.
    const lines = text.split('\n').filter((l) => l.trim() !== '').map(tryJson);
    return lines.every((l) => l !== undefined) ? lines : undefined;
  }
  return tryJson(text);
}

/** A mutated tree back into content: parsed where the kind takes it, else JSON or YAML text. */
function contentOf(kind: ArtifactKind, tree: unknown, asParsed: boolean): unknown {
  if (asParsed && ACCEPTS_PARSED.includes(kind)) return tree;
  if (kind === 'kubernetes' && Array.isArray(tree)) return tree.map((d) => dumpYaml(d, { skipInvalid: true })).join('---\n');
  if (kind === 'compose') return dumpYaml(tree, { skipInvalid: true });
  if (kind === 'docker-events' && Array.isArray(tree)) return tree.map((e) => JSON.stringify(e) ?? 'null').join('\n');
  return JSON.stringify(tree) ?? '';
}

// ---------------------------------------------------------------- properties

describe.each(ARTIFACT_KINDS.map((k) => [k]))('hostile %s', (kind) => {
  const fixtures = fixtureTexts(kind);

  it('has realistic fixtures to mutate', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    // The untouched fixtures read cleanly, so what the mutations break is the mutation's doing.
    for (const f of fixtures) run([{ kind, name: f.file, content: f.text }]);
  });

  it('survives any text (strings, full Unicode, random bytes), and refuses what is no JSON for a JSON-only kind', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { evidence } = run([{ kind, content: text }]);
        const parsed = tryJson(text);
        if (JSON_ONLY.includes(kind) && (typeof parsed !== 'object' || parsed === null)) expectUnreadable(evidence);
      }),
      { numRuns: RUNS.small },
    );
  });

  it('reads text of control characters as unreadable, never as evidence', () => {
    fc.assert(
      fc.property(controlGarbage, (text) => {
        expectUnreadable(run([{ kind, content: text }]).evidence);
      }),
      { numRuns: RUNS.small },
    );
  });

  it('survives any JSON value, given parsed and as text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { evidence } = run([{ kind, content: value }]);
        // A number, boolean or null is no artifact of any kind; parsed JSON is none for a text kind.
        if (typeof value !== 'string' && (TEXT_ONLY.includes(kind) || typeof value !== 'object' || value === null)) {
          expectUnreadable(evidence);
        }
        run([{ kind, content: JSON.stringify(value) }]);
      }),
      { numRuns: RUNS.small },
    );
  });

  it('survives objects with __proto__, constructor and prototype keys where the parsers look', () => {
    fc.assert(
      fc.property(hostileTree, fc.boolean(), (tree, asParsed) => {
        run([{ kind, content: asParsed ? tree : (JSON.stringify(tree) ?? 'null') }]);
      }),
      { numRuns: RUNS.small },
    );
  });

  it('survives truncation, insertion, deletion and word swaps of its fixtures, deterministically', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(textMutation, { minLength: 1, maxLength: 3 }), (pick, mutations) => {
        const f = fixtures[pick % fixtures.length];
        if (!f) return;
        const text = mutations.reduce(applyText, f.text);
        const { result } = run([{ kind, name: f.file, content: text }]);
        // No state survives between runs (a global regex, a cache): the same input, the same verdict.
        expect(JSON.stringify(evaluate({ artifacts: [{ kind, name: f.file, content: text }] }))).toBe(JSON.stringify(result));
      }),
      { numRuns: RUNS.mutations },
    );
  });

  // Kinds without a JSON or YAML fixture (Dockerfile, package lists) have only the text mutations.
  const structured = fixtures.filter((f) => treeOf(kind, f.text) !== undefined);
  if (structured.length === 0) return;
  it('survives type swaps and hostile keys inside its parsed fixtures', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(treeMutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (pick, mutations, asParsed) => {
        const f = structured[pick % structured.length];
        if (!f) return;
        const tree = treeOf(kind, f.text);
        for (const m of mutations) applyTree(tree, m);
        run([{ kind, name: f.file, content: contentOf(kind, tree, asParsed) }]);
      }),
      { numRuns: RUNS.mutations },
    );
  });
});

describe('hostile snapshots of several artifacts', () => {
  it('keeps the readable artifacts as evidence beside unreadable ones, and reports each unreadable one', () => {
    const artifact = fc.record({
      kind: fc.constantFrom(...ARTIFACT_KINDS),
      name: fc.option(fc.constantFrom('Dockerfile', 'inspect.json', '__proto__', 'constructor', ' ', 'k8s/a.yaml'), { nil: undefined }),
      content: fc.oneof(anyText, hostileTree),
    });
    fc.assert(
      fc.property(fc.array(artifact, { minLength: 1, maxLength: 6 }), (inputs) => {
        const { evidence } = run(inputs);
        expect(evidence.artifacts).toHaveLength(inputs.length);
      }),
      { numRuns: RUNS.mutations },
    );
  });

  it('refuses an unknown kind, even one named like an Object member, as unreadable', () => {
    for (const kind of ['helm', ...PROTO_KEYS]) {
      const inputs = [{ kind: kind as ArtifactKind, content: { containers: [{ name: 'x' }] } }];
      const result = evaluate({ artifacts: inputs });
      expect(result.controls.map((c) => c.id)).toEqual([...CONTROL_IDS]);
      expect(buildEvidence(inputs).artifacts[0]?.error).toMatch(/unknown artifact kind/);
    }
  });
});

// ---------------------------------------------------------------- the named worst cases

/** A copy with a NUL in the middle of every string and a NUL-suffixed twin of every object's first key. */
function nulsInside(v: unknown): unknown {
  if (typeof v === 'string') return `${v.slice(0, v.length >> 1)}\u0000${v.slice(v.length >> 1)}`;
  if (Array.isArray(v)) return v.map(nulsInside);
  if (typeof v !== 'object' || v === null) return v;
  const entries = Object.entries(v).map(([k, child]) => [k, nulsInside(child)] as const);
  const first = entries[0];
  return ownObject(first ? [...entries, [`${first[0]}\u0000`, first[1]]] : entries);
}

/** The parsed form of a hand-written artifact: JSON, or the objects of JSON lines. */
function parsedForm(kind: ArtifactKind, text: string): unknown {
  return kind === 'docker-events' ? treeOf(kind, text) : JSON.parse(text);
}

const statusesOf = (result: EvaluationResult): Record<ControlId, FindingStatus> =>
  Object.fromEntries(result.controls.map((c) => [c.id, c.status])) as Record<ControlId, FindingStatus>;

describe('bounded time and memory on the named worst cases', () => {
  it.each([['kubernetes' as const], ['compose' as const]])('refuses a YAML alias bomb in %s before expanding it', (kind) => {
    const text = aliasBomb(kind);
    const { evidence } = timed(`alias bomb, ${kind} (${text.length} bytes)`, () => run([{ kind, content: text }]));
    expect(evidence.artifacts[0]?.error).toMatch(/more than \d+ nodes/);
  });

  describe('JSON nested 100,000 deep', () => {
    it.each(ARTIFACT_KINDS.map((k) => [k]))('%s: as text', (kind) => {
      for (const [shape, text] of [['arrays', deepArrayText()], ['objects', deepObjectText()]] as const) {
        const { evidence } = timed(`${shape} 100,000 deep as text, ${kind}`, () => run([{ kind, content: text }]));
        // Whatever the kind makes of it, it is no evidence of anything.
        expect(evidence.containers).toEqual([]);
      }
    });

    it.each(ACCEPTS_PARSED.map((k) => [k]))('%s: as a parsed value built iteratively', (kind) => {
      // Keys the parsers follow, so they walk into the depth if they walk at all.
      const keys = ['a', 'Config', 'spec', 'template', 'items', 'services', 'components', 'critical', 'Actor'];
      for (const [shape, value] of [['arrays', deepArray()], ['objects', deepObject(100_000, keys)]] as const) {
        timed(`${shape} 100,000 deep parsed, ${kind}`, () => run([{ kind, content: value }]));
      }
    });
  });

  it('reads a 5 MB Dockerfile of line continuations (the body limit) in full', () => {
    // One RUN continued over ~250,000 lines; there is no size cap below the body limit.
    const huge = continuationDockerfile(5 * 1024 * 1024);
    const read = timed(`Dockerfile of continuations, ${(huge.length / 1e6).toFixed(1)} MB`, () => run([{ kind: 'dockerfile', content: huge }]));
    expect(read.evidence.artifacts[0]?.error).toBeNull();
    expect(read.evidence.dockerfiles[0]?.stages[0]?.installs[0]?.packages).toContain('tini');
  }, 60_000);

  describe('NUL bytes', () => {
    it.each(ARTIFACT_KINDS.map((k) => [k]))('%s: NUL only, and NULs inside its fixtures', (kind) => {
      expectUnreadable(run([{ kind, content: '\u0000'.repeat(1000) }]).evidence);
      for (const f of fixtureTexts(kind)) run([{ kind, name: f.file, content: withNuls(f.text) }]);
    });

    it.each(ACCEPTS_PARSED.map((k) => [k]))('%s: NULs in keys and values of parsed JSON', (kind) => {
      for (const f of fixtureTexts(kind)) {
        const tree = treeOf(kind, f.text);
        if (tree === undefined) continue;
        run([{ kind, name: f.file, content: nulsInside(tree) }]);
      }
    });
  });

  describe('__proto__ and constructor keys stay plain data', () => {
    /** Settings hidden behind `__proto__` that must not take effect (see PROTO_ARTIFACTS). */
    const expected: Partial<Record<ArtifactKind, Partial<Record<ControlId, FindingStatus>>>> = {
      dockerfile: { '3.3': 'pass', '3.11': 'pass' },
      // ExecIDs exists only behind __proto__: no own key, so no evidence (not the hidden session, not a pass).
      'docker-inspect': { '3.9': 'fail', '3.10': 'unknown', '3.14': 'fail', '3.15': 'pass' },
      'docker-image-inspect': { '3.1': 'pass' },
      'docker-info': { '3.2': 'fail' },
      kubernetes: { '3.2': 'fail', '3.9': 'fail' },
      compose: { '3.9': 'fail' },
      signature: { '3.7': 'pass' },
      sbom: { '3.12': 'pass' },
      packages: { '3.8': 'pass' },
      processes: { '3.1': 'pass' },
      'docker-events': { '3.10': 'pass' },
    };

    it.each(ARTIFACT_KINDS.map((k) => [k]))('%s', (kind) => {
      const text = PROTO_ARTIFACTS[kind];
      const { result, evidence } = run([{ kind, content: text }]);
      expect(evidence.artifacts[0]?.error).toBeNull();
      expect(statusesOf(result)).toMatchObject(expected[kind] ?? {});
      if (ACCEPTS_PARSED.includes(kind) && kind !== 'kubernetes' && kind !== 'compose') {
        const parsed = run([{ kind, content: parsedForm(kind, text) }]);
        expect(statusesOf(parsed.result)).toEqual(statusesOf(result));
      }
      expect(prototypeState()).toBe(prototypesBefore);
    });

    it('keeps Object-member names as names', () => {
      const compose = buildEvidence([{ kind: 'compose', content: PROTO_ARTIFACTS.compose }]);
      expect(compose.containers.map((c) => c.name)).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
      expect(compose.containers.map((c) => c.privileged?.value)).toEqual([false, false, false]);
      const k8s = buildEvidence([{ kind: 'kubernetes', content: PROTO_ARTIFACTS.kubernetes }]);
      expect(k8s.containers.map((c) => [c.name, c.privileged?.value, c.pod?.hostNetwork.value])).toEqual([['constructor', false, false]]);
      const packages = buildEvidence([{ kind: 'packages', content: PROTO_ARTIFACTS.packages }]);
      expect(packages.packages[0]?.packages.map((p) => p.name)).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    });
  });

  it('reads a 50,000-container docker inspect array, parsed and as text', () => {
    const list = inspectArray(50_000);
    const parsedInput = [{ kind: 'docker-inspect' as const, content: list }];
    const parsed = timed('50,000-container inspect, parsed', () => evaluate({ artifacts: parsedInput }));
    expect(problemsOf(parsed, parsedInput)).toEqual([]);
    const pids = parsed.controls.find((c) => c.id === '3.14');
    expect(pids?.findings).toHaveLength(50_000);
    expect(pids?.findings[49_999]).toMatchObject({ container: 'worker-49999', location: '/49999/HostConfig/PidsLimit', status: 'fail' });
    // As text the same verdicts, finding for finding (compared by shape: the full result is well over 100 MB of JSON).
    const text = JSON.stringify(list);
    const fromText = timed(`50,000-container inspect, text (${(text.length / 1e6).toFixed(0)} MB)`, () =>
      evaluate({ artifacts: [{ kind: 'docker-inspect', content: text }] }));
    const shape = (r: EvaluationResult) => r.controls.map((c) => [c.id, c.status, c.findings.length, c.findings.at(-1)?.location]);
    expect(shape(fromText)).toEqual(shape(parsed));
  }, 120_000);
});
