/**
 * `dockerfile-ast` (a dev dependency, no longer used at run time) as an oracle for the reader:
 * on Dockerfiles generated from the reader's grammar and on every Dockerfile among the test
 * fixtures, both must find the same instructions on the same lines, the same arguments and
 * flags at the same places, the same exec-form strings, ENV/ARG/LABEL pairs, here-document
 * names and parser directives — wherever both define them.
 *
 * Where they disagree on purpose, `dockerfile-ast` departs from BuildKit; each such place is
 * one of the named {@link DIFFERENCES} below, with a realistic Dockerfile that shows it and
 * what the reader (BuildKit) makes of it. The comparison skips exactly those places and no
 * others.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Argument as AstArgument,
  DockerfileParser,
  type Flag as AstFlag,
  type Instruction as AstInstruction,
  JSONInstruction,
  ModifiableInstruction,
  PropertyInstruction,
} from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DockerInstruction, readDockerfile } from './dockerfile-reader.ts';
import { dockerfileArbitrary } from './testing.ts';

/** Where `dockerfile-ast` departs from BuildKit, and the reader follows BuildKit. */
const DIFFERENCES = {
  bomColumn: 'dockerfile-ast counts a byte-order mark as the first column of line 1; BuildKit drops it before reading',
  rawArguments:
    "dockerfile-ast removes escape characters from arguments (and flag values) and quotes from ENV/LABEL names; BuildKit's parser keeps them as written for the word lexer, which applies them with variables",
  heredocBodies: 'dockerfile-ast counts the words of here-document bodies among the arguments; BuildKit reads bodies as content, not arguments',
  execFormBlanks: 'dockerfile-ast drops blanks inside exec-form strings (["echo hi"] reads "echohi"); BuildKit reads JSON',
  execFormEscapes: 'dockerfile-ast keeps JSON escapes other than \\" and \\\\ undecoded; BuildKit reads JSON',
  flagsEverywhere:
    'BuildKit takes the leading --words of every instruction as flags (and refuses those the instruction does not take, e.g. CMD --help); dockerfile-ast only for FROM, RUN, ADD, COPY and HEALTHCHECK',
  quotedFlagValues: 'BuildKit removes quotes from flag values (--chown="app:app" is app:app); dockerfile-ast keeps them',
  argNames: 'ARG A B declares two build arguments in BuildKit; dockerfile-ast reads it as A with the value B, like ENV A B',
  heredocTerminators:
    "dockerfile-ast's (experimental) here-document ranges take a body line ending in the escape character for a continuation and miss the terminator after it; BuildKit reads body lines as they are and ends the body at the line that is exactly its name",
  unknownDirectives:
    'BuildKit stops reading parser directives at a comment shaped like one with another name (# maintainer=…); dockerfile-ast takes any # name=value as a directive and reads on',
  repeatedDirectives: 'a repeated parser directive is an error in BuildKit (the reader keeps the first and reports it); dockerfile-ast lists both',
  heredocFileDescriptor: 'BuildKit reads 3<<EOF (a file descriptor, then <<) as a here-document; dockerfile-ast does not, and reads its body as instructions',
  heredocChompPerDocument: 'in RUN <<-A … <<B only A strips leading tabs in BuildKit; dockerfile-ast strips them for every document of the line',
  heredocPartlyQuoted: 'BuildKit removes quotes anywhere in a here-document name (<<E"O"F ends at EOF, unexpanded); dockerfile-ast only around the whole name',
  heredocNameWithBlanks: 'BuildKit reads a quoted name with blanks (<<"END OF FILE"); dockerfile-ast splits it and finds no here-document',
  flagWordsContainingDashes: 'dockerfile-ast keeps looking for flags after a word that merely contains -- (./bin/app--selftest --quick); BuildKit stops at the first word that does not start with --',
  escapedFlag: 'an escaped dash (\\--platform) starts no flag in BuildKit; dockerfile-ast removes the escape first and reads a flag',
  loneEscapeLine:
    'a line that is only the escape character continues into the next line in BuildKit (the instruction starts there); dockerfile-ast reads an instruction named by the escape character',
  otherBlanks: 'BuildKit trims Unicode white space (a no-break space pasted from a web page) and splits arguments at \\v, \\f and \\r too; dockerfile-ast only at spaces and tabs',
  continuationAtEnd: 'an instruction continued on the last line ends there in BuildKit; dockerfile-ast counts the empty line after it',
  unterminatedHeredoc:
    'BuildKit refuses a here-document without its terminator (the reader reports it and reads the rest of the file as its body, up to the last line); dockerfile-ast counts the empty line after the last line break',
  escapedEscapeAtLineEnd: 'an escaped escape character at the end of a line (C:\\\\) continues nothing in BuildKit; dockerfile-ast reads a continuation',
  loneCarriageReturn: 'BuildKit ends lines at \\n only (a lone \\r separates words); dockerfile-ast also ends lines at a lone \\r',
} as const;

type DifferenceName = keyof typeof DIFFERENCES;

const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
/** The instructions dockerfile-ast reads flags for. */
const AST_FLAGS = new Set(['FROM', 'RUN', 'ADD', 'COPY', 'HEALTHCHECK']);

interface AstHeredoc {
  getName(): string;
  getContentRange(): { start: { line: number } } | null;
  getDelimiterRange(): { start: { line: number } } | null;
}
interface AstProperty {
  getName(): string;
  getUnescapedValue(): string | null;
}

/** `line:column`, 1-based; a BOM is not a column ({@link DIFFERENCES.bomColumn}). */
function astAt(range: { start: { line: number; character: number } }, bom: boolean): string {
  const column = range.start.character + (bom && range.start.line === 0 ? 0 : 1);
  return `${range.start.line + 1}:${column}`;
}

/**
 * Where the reader and dockerfile-ast disagree on `text`, other than in the named differences
 * (each skipped place names the difference that explains it).
 */
function disagreements(text: string): string[] {
  const reading = readDockerfile(text);
  const ast = DockerfileParser.parse(text);
  const bom = text.charCodeAt(0) === 0xfeff;
  const out: string[] = [];
  const same = (what: string, theirs: unknown, ours: unknown): void => {
    if (JSON.stringify(theirs) !== JSON.stringify(ours)) out.push(`${what}: dockerfile-ast ${JSON.stringify(theirs)}, reader ${JSON.stringify(ours)}`);
  };
  same('escape character', ast.getEscapeCharacter(), reading.escape);
  same('directives', ast.getDirectives().map((d) => [d.getName().toLowerCase(), d.getValue()]), reading.directives.map((d) => [d.name, d.value]));
  const theirs = ast.getInstructions();
  same('instructions', theirs.map((i) => `${i.getKeyword()} @${i.getRange().start.line + 1}`), reading.instructions.map((i) => `${i.keyword} @${i.line}`));
  if (theirs.length !== reading.instructions.length) return out;
  theirs.forEach((t, i) => {
    const o = reading.instructions[i];
    if (o) compareInstruction(t, o, bom, reading.escape, same);
  });
  return out;
}

function compareInstruction(
  t: AstInstruction,
  o: DockerInstruction,
  bom: boolean,
  escapeChar: string,
  same: (what: string, a: unknown, b: unknown) => void,
): void {
  const where = `${o.keyword} @${o.line}`;
  same(`${where} keyword column`, astAt(t.getRange(), bom), `${o.line}:${o.column}`);
  const escape = (s: string): boolean => s.includes('\\') || s.includes('`');
  const hasFlags = o.flags.length > 0;
  // Flags (DIFFERENCES.flagsEverywhere: only where dockerfile-ast reads them; quotedFlagValues, rawArguments).
  if (t instanceof ModifiableInstruction && AST_FLAGS.has(o.keyword)) {
    const flagOf = (f: AstFlag, raw: string) => [f.getName(), /["'\\`]/.test(raw) ? '(quoted or escaped)' : f.getValue(), astAt(f.getRange(), bom)];
    same(`${where} flags`, t.getFlags().map((f) => flagOf(f, f.toString())), o.flags.map((f) => [f.name, /["'\\`]/.test(f.raw) ? '(quoted or escaped)' : f.value, `${f.line}:${f.column}`]));
  }
  // Arguments: not of ENV/ARG/LABEL (compared as pairs) or ONBUILD; not when BuildKit took flags
  // dockerfile-ast does not (flagsEverywhere); not the words of here-document bodies (heredocBodies).
  if (!(t instanceof PropertyInstruction) && o.keyword !== 'ONBUILD' && !(hasFlags && !AST_FLAGS.has(o.keyword))) {
    const bodyStart = o.bodyLine === -1 ? Number.POSITIVE_INFINITY : o.bodyLine;
    const args: AstArgument[] = t.getArguments().filter((a) => a.getRange().start.line + 1 < bodyStart);
    const escaped = (k: number): boolean => escape(o.args[k]?.value ?? '');
    same(`${where} arguments`,
      args.map((a, k) => [escaped(k) ? '(escaped)' : a.getValue(), astAt(a.getRange(), bom)]),
      o.args.map((a, k) => [escaped(k) ? '(escaped)' : a.value, `${a.line}:${a.column}`]));
  }
  // Exec form (execFormBlanks, execFormEscapes: strings with blanks or escapes are not compared).
  if (t instanceof JSONInstruction && o.json) {
    const json = o.json;
    const plain = (s: string, k: number): string => (/[\s\\]/.test(json[k] ?? '') ? '(blanks or escapes)' : s);
    same(`${where} exec form`, t.getJSONStrings().map((j, k) => plain(j.getValue().slice(1, -1), k)), json.map(plain));
  }
  // ENV, ARG and LABEL pairs (argNames: ARG with a name without value among several is not compared).
  if (t instanceof PropertyInstruction && !(o.keyword === 'ARG' && o.properties.length > 1 && o.properties.some((p) => p.value === null))) {
    const properties = (t as unknown as { getProperties(): AstProperty[] }).getProperties();
    same(`${where} pairs`, properties.map((p) => [p.getName(), p.getUnescapedValue()]), o.properties.map((p) => [p.name, p.value]));
  }
  // Here-documents: names; bodies and terminators where dockerfile-ast finds them (heredocTerminators).
  const carrier = o.keyword === 'ONBUILD' ? null : o;
  if (carrier && HEREDOC_KEYWORDS.has(carrier.keyword) && carrier.heredocs.length > 0) {
    const docs = (t as unknown as { getHeredocs(): AstHeredoc[] }).getHeredocs();
    same(`${where} here-document names`, docs.map((d) => d.getName()), carrier.heredocs.map((d) => d.name));
    // heredocTerminators: from the first body with a line ending in the escape character on, dockerfile-ast's ranges are off.
    const escapeEnd = escapeChar === '`' ? /`[ \t]*\r?$/m : /\\[ \t]*\r?$/m;
    const trusted = carrier.heredocs.findIndex((d) => escapeEnd.test(d.content));
    docs.slice(0, trusted === -1 ? docs.length : trusted).forEach((d, k) => {
      const doc = carrier.heredocs[k];
      const end = d.getDelimiterRange();
      if (!doc || !end) return;
      same(`${where} here-document ${doc.name} terminator line`, end.start.line + 1, doc.endLine);
      const content = d.getContentRange();
      if (content && doc.content !== '') same(`${where} here-document ${doc.name} first line`, content.start.line + 1, doc.line);
    });
  }
  // The last line: dockerfile-ast's range ends after a here-document it cannot end (heredocTerminators).
  if (o.heredocs.every((d) => d.terminated)) same(`${where} last line`, t.getRange().end.line + 1, o.endLine);
}

/** Every Dockerfile among the test fixtures. */
function fixtureDockerfiles(): { name: string; text: string }[] {
  const root = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/dockerfile/i.test(entry)) out.push({ name: path.slice(root.length), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

describe('the reader against dockerfile-ast', () => {
  const fixtures = fixtureDockerfiles();

  it('finds Dockerfiles among the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(7);
  });

  it.each(fixtures.map((f) => [f.name, f.text]))('agrees on %s', (_name, text) => {
    expect(disagreements(text)).toEqual([]);
  });

  it('agrees on Dockerfiles generated from the grammar, outside the named differences', () => {
    fc.assert(
      fc.property(dockerfileArbitrary, ({ text }) => {
        expect(disagreements(text)).toEqual([]);
      }),
      { numRuns: Number(process.env.ORACLE_RUNS ?? 300) },
    );
  });
});

/** What dockerfile-ast and the reader make of one realistic Dockerfile. */
function both(text: string): { ast: AstInstruction[]; ours: DockerInstruction[] } {
  return { ast: DockerfileParser.parse(text).getInstructions(), ours: readDockerfile(text).instructions };
}
function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new Error(`nothing at ${i}`);
  return v;
}

describe('named differences: dockerfile-ast departs from BuildKit, the reader follows BuildKit', () => {
  const cases: Record<DifferenceName, () => void> = {
    bomColumn: () => {
      const { ast, ours } = both('\uFEFFFROM alpine:3.20\nRUN apk add --no-cache curl\n');
      expect(at(ast, 0).getRange().start.character).toBe(1);
      expect(at(ours, 0)).toMatchObject({ line: 1, column: 1, offset: 1 });
    },
    rawArguments: () => {
      const { ast, ours } = both('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\nCOPY --chown=ContainerUser build\\out C:\\app\n');
      expect(at(ast, 1).getArguments().map((a) => a.getValue())).toEqual(['C:app']);
      expect(at(ours, 1).args.map((a) => a.value)).toEqual(['C:\\app']);
      expect(at(ours, 2).args.map((a) => a.value)).toEqual(['build\\out', 'C:\\app']);
    },
    heredocBodies: () => {
      const { ast, ours } = both('FROM debian:bookworm-slim\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends ca-certificates\nEOF\n');
      expect(at(ast, 1).getArguments().map((a) => a.getValue())).toContain('apt-get');
      expect(at(ours, 1).args.map((a) => a.value)).toEqual(['<<EOF']);
      expect(at(ours, 1).heredocs[0]?.content).toBe('apt-get update\napt-get install -y --no-install-recommends ca-certificates\n');
    },
    execFormBlanks: () => {
      const { ast, ours } = both('FROM nginx:1.27\nCMD ["nginx", "-g", "daemon off;"]\n');
      const cmd = at(ast, 1);
      expect(cmd instanceof JSONInstruction && cmd.getJSONStrings().map((j) => j.getValue())).toContain('"daemonoff;"');
      expect(at(ours, 1).json).toEqual(['nginx', '-g', 'daemon off;']);
    },
    execFormEscapes: () => {
      const { ast, ours } = both('FROM mcr.microsoft.com/powershell:lts\nENTRYPOINT ["pwsh", "-Command", "Write-Host \\u0041\\tB"]\n');
      const entrypoint = at(ast, 1);
      expect(entrypoint instanceof JSONInstruction && entrypoint.getJSONStrings()[2]?.getValue()).not.toBe('"Write-Host A\tB"');
      expect(at(ours, 1).json?.[2]).toBe('Write-Host A\tB');
    },
    flagsEverywhere: () => {
      const { ast, ours } = both('FROM node:22-bookworm-slim\nENTRYPOINT ["node"]\nCMD --max-old-space-size=512 server.js\n');
      const cmd = at(ast, 2);
      expect(cmd instanceof ModifiableInstruction && cmd.getFlags()).toEqual([]);
      expect(at(ours, 2).flags.map((f) => [f.name, f.value])).toEqual([['max-old-space-size', '512']]);
      expect(at(ours, 2).rest).toBe('server.js');
    },
    quotedFlagValues: () => {
      const { ast, ours } = both('FROM node:22-bookworm-slim\nCOPY --chown="node:node" --chmod="0644" package.json /app/\n');
      const copy = at(ast, 1);
      expect(copy instanceof ModifiableInstruction && copy.getFlags().map((f) => f.getValue())).toEqual(['"node:node"', '"0644"']);
      expect(at(ours, 1).flags.map((f) => f.value)).toEqual(['node:node', '0644']);
    },
    argNames: () => {
      const { ast, ours } = both('ARG TARGETOS TARGETARCH\nFROM --platform=$BUILDPLATFORM golang:1.23-alpine\n');
      const arg = at(ast, 0) as unknown as { getProperties(): AstProperty[] };
      expect(arg.getProperties().map((p) => [p.getName(), p.getUnescapedValue()])).toEqual([['TARGETOS', 'TARGETARCH']]);
      expect(at(ours, 0).properties.map((p) => [p.name, p.value])).toEqual([['TARGETOS', null], ['TARGETARCH', null]]);
    },
    heredocTerminators: () => {
      const text = 'FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY <<EOF C:/app/app.ini\n[paths]\nroot=C:\\app\\\nEOF\nUSER ContainerUser\n';
      const { ast, ours } = both(text);
      const docs = (at(ast, 1) as unknown as { getHeredocs(): AstHeredoc[] }).getHeredocs();
      expect(docs.map((d) => d.getDelimiterRange())).toEqual([null]);
      expect(at(ours, 1).heredocs.map((d) => [d.name, d.line, d.endLine, d.content])).toEqual([['EOF', 3, 5, '[paths]\nroot=C:\\app\\\n']]);
      expect(ours.map((i) => [i.keyword, i.line])).toEqual([['FROM', 1], ['COPY', 2], ['USER', 6]]);
    },
    unknownDirectives: () => {
      const text = '# maintainer=platform-team@example.com\n# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN mkdir C:\\app\n';
      expect(DockerfileParser.parse(text).getEscapeCharacter()).toBe('`');
      const reading = readDockerfile(text);
      expect([reading.escape, reading.directives]).toEqual(['\\', []]);
    },
    repeatedDirectives: () => {
      const text = '# syntax=docker/dockerfile:1\n# syntax=docker/dockerfile:1.7\nFROM alpine:3.20\n';
      expect(DockerfileParser.parse(text).getDirectives().map((d) => d.getValue())).toEqual(['docker/dockerfile:1', 'docker/dockerfile:1.7']);
      const reading = readDockerfile(text);
      expect(reading.directives.map((d) => [d.name, d.value, d.line])).toEqual([['syntax', 'docker/dockerfile:1', 1]]);
      expect(reading.problems).toEqual([{ severity: 'error', line: 2, message: 'only one syntax parser directive can be used' }]);
    },
    heredocFileDescriptor: () => {
      const text = 'FROM postgres:17\nRUN --mount=type=secret,id=pgpass psql -f /dev/fd/3 3<<SQL\nCREATE ROLE app;\nSQL\nUSER postgres\n';
      const { ast, ours } = both(text);
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', 'RUN', 'CREATE', 'SQL', 'USER']);
      expect(ours.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'USER']);
      expect(at(ours, 1).heredocs[0]).toMatchObject({ name: 'SQL', fd: 3, content: 'CREATE ROLE app;\n' });
    },
    heredocChompPerDocument: () => {
      const text = 'FROM nginx:1.27-alpine\nRUN <<-SETUP sh && cat <<MOTD > /etc/motd\n\tapk add --no-cache curl\n\tSETUP\nWelcome to the nginx image.\n\tMOTD\nMOTD\nUSER nginx\n';
      const { ast, ours } = both(text);
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', 'RUN', 'MOTD', 'USER']);
      expect(ours.map((i) => [i.keyword, i.line, i.endLine])).toEqual([['FROM', 1, 1], ['RUN', 2, 7], ['USER', 8, 8]]);
      expect(at(ours, 1).heredocs.map((d) => [d.name, d.chomp, d.content])).toEqual([
        ['SETUP', true, '\tapk add --no-cache curl\n'],
        ['MOTD', false, 'Welcome to the nginx image.\n\tMOTD\n'],
      ]);
    },
    heredocPartlyQuoted: () => {
      const text = 'FROM alpine:3.20\nCOPY <<E"O"F /etc/profile.d/app.sh\nexport APP_HOME=$HOME/app\nEOF\nUSER app\n';
      const { ast, ours } = both(text);
      expect(ast.map((i) => i.getKeyword())).not.toContain('USER');
      expect(at(ours, 1).heredocs[0]).toMatchObject({ name: 'EOF', expand: false, content: 'export APP_HOME=$HOME/app\n' });
      expect(at(ours, 2)).toMatchObject({ keyword: 'USER', line: 5 });
    },
    heredocNameWithBlanks: () => {
      const text = 'FROM alpine:3.20\nCOPY <<"END OF FILE" /etc/motd\nHave a nice day.\nEND OF FILE\nUSER app\n';
      const { ast, ours } = both(text);
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', 'COPY', 'HAVE', 'END', 'USER']);
      expect(ours.map((i) => i.keyword)).toEqual(['FROM', 'COPY', 'USER']);
      expect(at(ours, 1).heredocs[0]).toMatchObject({ name: 'END OF FILE', expand: false, endLine: 4 });
    },
    flagWordsContainingDashes: () => {
      const text = 'FROM golang:1.23-alpine\nRUN --network=none ./bin/app--selftest --quick\n';
      const { ast, ours } = both(text);
      const run = at(ast, 1);
      expect(run instanceof ModifiableInstruction && run.getFlags().map((f) => f.getName())).toEqual(['network', 'quick']);
      expect(at(ours, 1).flags.map((f) => f.name)).toEqual(['network']);
      expect(at(ours, 1).rest).toBe('./bin/app--selftest --quick');
    },
    escapedFlag: () => {
      const text = 'FROM \\--platform=linux/amd64 alpine:3.20\n';
      const from = at(DockerfileParser.parse(text).getInstructions(), 0);
      expect(from instanceof ModifiableInstruction && from.getFlags().map((f) => f.getName())).toEqual(['platform']);
      const ours = at(readDockerfile(text).instructions, 0);
      expect([ours.flags, ours.args.map((a) => a.value)]).toEqual([[], ['\\--platform=linux/amd64', 'alpine:3.20']]);
    },
    loneEscapeLine: () => {
      const { ast, ours } = both('FROM alpine:3.20\n\\\nRUN apk add --no-cache curl\n');
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', '\\', 'RUN']);
      expect(ours.map((i) => [i.keyword, i.line, i.endLine, i.rest])).toEqual([['FROM', 1, 1, 'alpine:3.20'], ['RUN', 2, 3, 'apk add --no-cache curl']]);
    },
    otherBlanks: () => {
      const { ast, ours } = both('FROM alpine:3.20\n\u00a0RUN apk add --no-cache curl\nEXPOSE 80\u000b443\n');
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', '\u00a0RUN', 'EXPOSE']);
      expect(ours.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'EXPOSE']);
      expect(at(ours, 2).args.map((a) => a.value)).toEqual(['80', '443']);
    },
    continuationAtEnd: () => {
      const { ast, ours } = both('FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y make \\\n');
      expect(at(ast, 1).getRange().end.line + 1).toBe(3);
      expect(at(ours, 1)).toMatchObject({ line: 2, endLine: 2, rest: 'apt-get update && apt-get install -y make' });
    },
    unterminatedHeredoc: () => {
      const { ast, ours } = both('FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\n');
      expect(at(ast, 1).getRange().end.line + 1).toBe(4);
      expect(at(ours, 1)).toMatchObject({ line: 2, endLine: 3 });
      expect(at(ours, 1).heredocs[0]).toMatchObject({ name: 'EOF', terminated: false, content: 'apk add --no-cache curl\n' });
      expect(readDockerfile('FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\n').problems.map((p) => p.message)).toEqual(['unterminated here-document "EOF"']);
    },
    escapedEscapeAtLineEnd: () => {
      const { ast, ours } = both('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\\\\\nCOPY . .\n');
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', 'WORKDIR']);
      expect(ours.map((i) => [i.keyword, i.rest])).toEqual([['FROM', 'mcr.microsoft.com/windows/servercore:ltsc2022'], ['WORKDIR', 'C:\\app\\\\'], ['COPY', '. .']]);
    },
    loneCarriageReturn: () => {
      const { ast, ours } = both('FROM alpine:3.20\rRUN apk add --no-cache curl\r');
      expect(ast.map((i) => i.getKeyword())).toEqual(['FROM', 'RUN']);
      expect(ours.map((i) => [i.keyword, i.args.map((a) => a.value)])).toEqual([['FROM', ['alpine:3.20', 'RUN', 'apk', 'add', '--no-cache', 'curl']]]);
    },
  };

  it('every difference has its case', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(DIFFERENCES).sort());
  });

  it.each(Object.entries(DIFFERENCES))('%s: %s', (name) => {
    cases[name as DifferenceName]();
  });
});
