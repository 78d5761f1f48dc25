/**
 * Test-only helpers of the parsers (named `testing.ts` so that the engine version ignores them).
 *
 * Dockerfiles for property tests, generated from the grammar the reader implements: parser
 * directives, any case of keywords, flags, exec and shell form, ENV/ARG/LABEL pairs, here-
 * documents (`<<EOF`, `<<-EOF`, quoted names, two on a line), continuations with comment and
 * empty lines inside them, the escape directive, CRLF and a BOM. Words are drawn from real
 * Dockerfiles' vocabulary, so the files read like the official images' ones. Test-only.
 */
import fc from 'fast-check';

/** A generated Dockerfile and the escape character it uses. */
export interface GeneratedDockerfile {
  text: string;
  escape: '\\' | '`';
}

const IMAGES = ['alpine:3.20', 'debian:bookworm-slim', 'node:22-bookworm-slim', 'golang:1.23-alpine', 'python:3.12-slim',
  'scratch', '${BASE}', 'gcr.io/distroless/static-debian12:nonroot', `alpine@sha256:${'4f'.repeat(32)}`];
const WORDS = ['apt-get', 'update', 'install', '-y', '--no-install-recommends', 'ca-certificates', 'curl', 'apk', 'add',
  '--no-cache', 'tini', '&&', 'rm', '-rf', '/var/lib/apt/lists/*', 'useradd', '-u', '10001', 'app', 'echo', '$HOME',
  '${APP_HOME}', '"hello world"', "'single quoted'", '|', ';', 'make', '-C', '/src', 'go', 'build', '-o', '/out/app',
  'npm', 'ci', '--omit=dev', 'pip', '--no-cache-dir', 'x=1', 'C:\\app', '2>&1', '>', '/dev/null', '||', 'true'];
const PATHS = ['.', './src', 'package.json', 'package-lock.json', '/app/', '/usr/local/bin/', 'https://example.com/a.tgz', 'config.yaml'];
const NAMES = ['NODE_ENV', 'APP_HOME', 'PORT', 'BASE', 'VERSION', 'APP_UID', 'GOFLAGS', 'PATH'];
const VALUES = ['production', '/srv/app', '8080', 'alpine:3.20', '1.2.3', '10001', '"-trimpath -mod=readonly"', '"$PATH:/opt/bin"', "'literal $X'", '${VERSION:-1.0}'];

/** Any of the Dockerfile-ish spellings of a keyword. */
function keywordCase(k: string): fc.Arbitrary<string> {
  return fc.constantFrom(k, k, k, k.toLowerCase(), k.charAt(0) + k.slice(1).toLowerCase());
}

/** What separates two words of an instruction: mostly a blank, sometimes a continued line. */
function separator(escape: string): fc.Arbitrary<string> {
  return fc.constantFrom(' ', ' ', ' ', ' ', '  ', '\t', ` ${escape}\n    `, ` ${escape}\n  `, `${escape}\n `,
    ` ${escape}\n    # a comment inside the continuation\n    `, ` ${escape}\n\n    `, ` ${escape}  \n    `);
}

function joined(words: fc.Arbitrary<string[]>, escape: string): fc.Arbitrary<string> {
  return words.chain((ws) =>
    fc.array(separator(escape), { minLength: ws.length, maxLength: ws.length }).map((seps) =>
      ws.map((w, i) => (i === 0 ? w : `${seps[i] ?? ' '}${w}`)).join('')));
}

const word = fc.constantFrom(...WORDS);
const json = fc.array(fc.constantFrom('node', 'dist/server.js', '--port', '8080', '/bin/sh', '-c', 'echo hi', 'C:\\\\app'), { minLength: 1, maxLength: 4 })
  .map((a) => `[${a.map((s) => `"${s}"`).join(', ')}]`);

function flags(keyword: string): fc.Arbitrary<string[]> {
  const options: Record<string, string[]> = {
    FROM: ['--platform=linux/amd64', '--platform=$BUILDPLATFORM'],
    RUN: ['--mount=type=cache,target=/root/.npm', '--mount=type=secret,id=npmrc,target=/root/.npmrc', '--network=none', '--security=insecure'],
    COPY: ['--from=build', '--chown=app:app', '--chmod=0755', '--link', '--from=${BUILDER}'],
    ADD: ['--chown=10001:10001', `--checksum=sha256:${'24'.repeat(32)}`, '--keep-git-dir=true', '--link'],
    HEALTHCHECK: ['--interval=30s', '--timeout=3s', '--retries=3'],
  };
  const list = options[keyword];
  return list ? fc.subarray(list, { maxLength: 2 }) : fc.constant([]);
}

/** A here-document: its announcing word and the lines that follow the instruction's line. */
const heredoc = fc.record({
  name: fc.constantFrom('EOF', 'EOT', 'SCRIPT', 'END'),
  quote: fc.constantFrom('', '', "'", '"'),
  chomp: fc.boolean(),
  body: fc.array(fc.constantFrom('set -eux', 'apt-get update', 'apt-get install -y --no-install-recommends curl', 'useradd -u 10001 app',
    '# a comment in the body', '', 'echo "$HOME" \\', '  done', '#!/bin/sh'), { maxLength: 4 }),
}).map((h) => ({
  word: `<<${h.chomp ? '-' : ''}${h.quote}${h.name}${h.quote}`,
  lines: [...h.body.map((l) => (h.chomp ? `\t${l}` : l)), h.chomp ? `\t${h.name}` : h.name],
}));

interface Generated {
  head: string;
  lines: string[];
}

function instruction(escape: string): fc.Arbitrary<Generated> {
  const plain = (k: string, args: fc.Arbitrary<string>): fc.Arbitrary<Generated> =>
    fc.tuple(keywordCase(k), flags(k), args).map(([kw, fl, a]) => ({ head: [kw, ...fl, a].filter((x) => x !== '').join(' '), lines: [] }));
  const shellWords = joined(fc.array(word, { minLength: 1, maxLength: 8 }), escape);
  const withDocs = (k: string, before: fc.Arbitrary<string>, after: fc.Arbitrary<string>): fc.Arbitrary<Generated> =>
    fc.tuple(keywordCase(k), flags(k), before, fc.array(heredoc, { minLength: 1, maxLength: 2 }), after).map(([kw, fl, b, docs, a]) => ({
      head: [kw, ...fl, b, ...docs.map((d) => d.word), a].filter((x) => x !== '').join(' '),
      lines: docs.flatMap((d) => d.lines),
    }));
  return fc.oneof(
    plain('FROM', fc.tuple(fc.constantFrom(...IMAGES), fc.option(fc.constantFrom('build', 'runtime', 'deps'), { nil: undefined }))
      .map(([i, n]) => (n ? `${i} AS ${n}` : i))),
    plain('RUN', fc.oneof(shellWords, shellWords, json)),
    withDocs('RUN', fc.constantFrom('', '', 'cat', 'bash', 'python3'), fc.constantFrom('', '', '> /etc/motd', '&& echo done')),
    plain('CMD', fc.oneof(json, shellWords)),
    plain('ENTRYPOINT', fc.oneof(json, shellWords)),
    plain('COPY', fc.oneof(joined(fc.array(fc.constantFrom(...PATHS), { minLength: 2, maxLength: 4 }), escape), json)),
    withDocs('COPY', fc.constant(''), fc.constantFrom('/etc/motd', '/app/config.ini')),
    plain('ADD', joined(fc.array(fc.constantFrom(...PATHS), { minLength: 2, maxLength: 3 }), escape)),
    plain('ENV', fc.oneof(
      joined(fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([n, v]) => `${n}=${v}`), { minLength: 1, maxLength: 3 }), escape),
      fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('some value', '/usr/local/bin')).map(([n, v]) => `${n} ${v}`))),
    plain('ARG', joined(fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.option(fc.constantFrom(...VALUES), { nil: undefined }))
      .map(([n, v]) => (v === undefined ? n : `${n}=${v}`)), { minLength: 1, maxLength: 2 }), escape)),
    plain('LABEL', fc.constantFrom('org.opencontainers.image.source="https://github.com/acme/app"', 'maintainer="Shop Team" version=1.0', 'description="a b c"')),
    plain('USER', fc.constantFrom('app', '10001:10001', '${APP_UID}', 'nonroot')),
    plain('WORKDIR', fc.constantFrom('/app', '${APP_HOME}', 'C:\\app')),
    plain('EXPOSE', fc.constantFrom('8080', '80 443', '53/udp', '${PORT}', '8000-8003/tcp')),
    plain('SHELL', fc.constantFrom('["/bin/bash", "-o", "pipefail", "-c"]', '["powershell", "-Command"]')),
    plain('VOLUME', fc.constantFrom('/data', '["/var/lib/app"]')),
    plain('STOPSIGNAL', fc.constantFrom('SIGTERM', 'SIGQUIT')),
    plain('HEALTHCHECK', fc.constantFrom('CMD curl -fs http://localhost:8080/health || exit 1', 'NONE', 'CMD ["/app/healthcheck"]')),
    plain('ONBUILD', fc.constantFrom('RUN make install', 'COPY . /src', 'ADD app.tgz /opt/')),
    withDocs('ONBUILD RUN', fc.constant(''), fc.constant('')),
  );
}

/** Between instructions: a line break, or blank and comment lines. */
const between = fc.constantFrom('\n', '\n', '\n', '\n\n', '\n# build stage\n', '\n   \n', '\n  # indented comment\n');

/** A whole Dockerfile: optional BOM and directives, then instructions. */
export const dockerfileArbitrary: fc.Arbitrary<GeneratedDockerfile> = fc
  .record({
    bom: fc.boolean().map((b) => (b ? '\uFEFF' : '')),
    syntax: fc.constantFrom('', '# syntax=docker/dockerfile:1\n', '#syntax = docker/dockerfile:1.7\n', '# SYNTAX=docker/dockerfile:1-labs\n'),
    escape: fc.constantFrom<'\\' | '`'>('\\', '\\', '\\', '`'),
    check: fc.constantFrom('', '', '# check=skip=JSONArgsRecommended\n'),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .chain((h) =>
    fc.array(fc.tuple(instruction(h.escape), between), { minLength: 1, maxLength: 10 }).map((list) => {
      const directives = `${h.syntax}${h.escape === '`' ? '# escape=`\n' : ''}${h.check}`;
      let body = '';
      for (const [ins, gap] of list) {
        body += ins.head;
        for (const l of ins.lines) body += `\n${l}`;
        body += gap;
      }
      if (!h.finalNewline) body = body.replace(/\n+$/, '');
      let text = `${h.bom}${directives}${body}`;
      if (h.crlf) text = text.replace(/\n/g, '\r\n');
      return { text, escape: h.escape };
    }));
