import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dockerfile, Source, Stage } from '../model/evidence.ts';
import { parseDockerfile } from './dockerfile.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'Dockerfile', kind: 'dockerfile' };
const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/dockerfile/${name}`, import.meta.url), 'utf8');

function parse(text: string): Dockerfile {
  const df = parseDockerfile(text, source).dockerfiles?.[0];
  if (!df) throw new Error('no dockerfile');
  return df;
}
function stage(text: string, i = 0): Stage {
  const s = parse(text).stages[i];
  if (!s) throw new Error(`no stage ${i}`);
  return s;
}
function notes(text: string): string[] {
  return parseDockerfile(text, source).notes ?? [];
}
/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}
const DIGEST = `sha256:${'4f'.repeat(32)}`;

describe('parseDockerfile: a multi-stage Node build (fixture)', () => {
  const df = parse(fixture('node-multistage.Dockerfile'));
  const [deps, build, runtime, distroless] = df.stages;

  it('finds every stage with its name, FROM line and last line', () => {
    expect(df.source).toEqual(source);
    expect(df.stages.map((s) => [s.index, s.name, s.line, s.endLine])).toEqual([
      [0, 'deps', 6, 10],
      [1, 'build', 12, 20],
      [2, 'runtime', 22, 34],
      [3, 'distroless', 36, 39],
    ]);
  });

  it('substitutes ARGs declared before the first FROM, defaults built from other ARGs included', () => {
    expect(deps?.from).toEqual({
      raw: '${BASE_IMAGE}',
      resolved: 'node:20.11.1-bookworm-slim',
      line: 6,
      scratch: false,
      stageRef: false,
      digest: null,
    });
    expect(distroless?.from.digest).toBe('sha256:8e4b0a1c2a4a1b5f7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d');
  });

  it('flags a FROM naming an earlier stage, and leaves the --platform flag out of the image', () => {
    expect(build?.from).toMatchObject({ raw: 'deps', resolved: 'deps', stageRef: true, digest: null });
    expect(runtime?.from.stageRef).toBe(false);
  });

  it('reads RUN --mount lines without the flag, and an apt install with pins stripped', () => {
    expect(deps?.runs).toEqual([{ argv: ['npm', 'ci', '--omit=dev'], line: 10 }]);
    expect(build?.installs).toEqual([{ manager: 'apt', packages: ['python3', 'make', 'g++'], minimal: true, line: 14 }]);
    expect(build?.runs.map((r) => r.line)).toEqual([13, 14, 18, 20]);
  });

  it('resolves the UID of useradd and USER through ENV, and records no groupadd', () => {
    expect(runtime?.env).toEqual([
      { name: 'NODE_ENV', value: 'production', line: 23 },
      { name: 'APP_HOME', value: '/srv/app', line: 23 },
      { name: 'APP_UID', value: '10001', line: 23 },
    ]);
    expect(runtime?.userCreations).toEqual([{ tool: 'useradd', name: 'app', uid: 10001, line: 27 }]);
    expect(runtime?.users).toEqual([{ value: '10001', path: 'line 32' }]);
  });

  it('reads exec-form ENTRYPOINT and CMD, COPY --from and EXPOSE', () => {
    expect(runtime?.entrypoint).toEqual({ value: ['node'], path: 'line 33' });
    expect(runtime?.cmd).toEqual({ value: ['dist/server.js'], path: 'line 34' });
    expect(runtime?.copies).toEqual([
      { sources: ['/app/dist'], fromStage: 'build', line: 29 },
      { sources: ['/app/node_modules'], fromStage: 'deps', line: 30 },
    ]);
    expect(runtime?.exposes).toEqual([{ port: 3000, protocol: 'tcp', line: 31 }]);
    expect(distroless?.users).toEqual([{ value: 'nonroot', path: 'line 38' }]);
  });
});

describe('parseDockerfile: Go binary on scratch (fixture)', () => {
  const [builder, final] = parse(fixture('go-scratch.Dockerfile')).stages;

  it('flags FROM scratch', () => {
    expect(final?.from).toMatchObject({ raw: 'scratch', scratch: true, stageRef: false, digest: null });
    expect(builder?.from.scratch).toBe(false);
  });

  it('reads apk installs with and without --no-cache and BusyBox adduser', () => {
    expect(builder?.installs).toEqual([
      { manager: 'apk', packages: ['git', 'ca-certificates', 'tzdata'], minimal: true, line: 2 },
      { manager: 'apk', packages: ['gcc', 'musl-dev'], minimal: false, line: 3 },
    ]);
    expect(builder?.userCreations).toEqual([{ tool: 'adduser', name: 'gopher', uid: 65532, line: 4 }]);
  });

  it('reads ADD of a git URL, of a checksummed download (flag on a continued line) and of a local file', () => {
    expect(builder?.adds).toEqual([
      { sources: ['https://github.com/acme/widgets.git#v1.4.2'], checksum: null, line: 6 },
      {
        sources: ['https://github.com/acme/config/releases/download/v1/config.tar.gz'],
        checksum: 'sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d',
        line: 7,
      },
    ]);
    expect(final?.adds).toEqual([{ sources: ['config.yaml'], checksum: null, line: 15 }]);
  });

  it('keeps quoted flag values whole in RUN words', () => {
    expect(builder?.runs.at(-1)).toEqual({ argv: ['go', 'build', '-trimpath', '-ldflags=-s -w', '-o', '/out/widgets', './cmd/widgets'], line: 9 });
  });

  it('reads USER uid:gid, several EXPOSE ports and an exec-form ENTRYPOINT', () => {
    expect(final?.users).toEqual([{ value: '65532:65532', path: 'line 16' }]);
    expect(final?.exposes.map((e) => `${e.port}/${e.protocol}`)).toEqual(['8080/tcp', '9090/tcp']);
    expect(final?.entrypoint?.value).toEqual(['/widgets']);
  });
});

describe('parseDockerfile: Python on Debian (fixture)', () => {
  const s = stage(fixture('python-debian.Dockerfile'));

  it('tells a minimal apt install from one without --no-install-recommends', () => {
    expect(s.installs.filter((i) => i.manager === 'apt')).toEqual([
      { manager: 'apt', packages: ['libpq5', 'curl'], minimal: false, line: 9 },
      { manager: 'apt', packages: ['tini'], minimal: true, line: 10 },
    ]);
  });

  it('records pip installs by package name', () => {
    expect(s.installs.filter((i) => i.manager === 'pip').map((i) => i.packages)).toEqual([['pip'], ['gunicorn', 'uvicorn']]);
  });

  it('records the Debian adduser --system --group, not adduser USER GROUP', () => {
    expect(s.userCreations).toEqual([{ tool: 'adduser', name: 'app', uid: 10001, line: 16 }]);
  });

  it('turns shell-form CMD into /bin/sh -c', () => {
    expect(s.cmd).toEqual({
      value: ['/bin/sh', '-c', 'gunicorn -k uvicorn.workers.UvicornWorker -b 0.0.0.0:8000 app.main:app'],
      path: 'line 23',
    });
    expect(s.users).toEqual([{ value: 'app:app', path: 'line 21' }]);
    expect(s.exposes).toEqual([{ port: 8000, protocol: 'tcp', line: 22 }]);
  });
});

describe('parseDockerfile: Red Hat UBI and SUSE package managers (fixture)', () => {
  const [minimal, full] = parse(fixture('ubi-rpm.Dockerfile')).stages;

  it('reads microdnf, dnf, yum, zypper and gem installs with their minimal flags', () => {
    expect(minimal?.installs).toEqual([{ manager: 'microdnf', packages: ['shadow-utils', 'java-17-openjdk-headless'], minimal: true, line: 2 }]);
    expect(full?.installs).toEqual([
      { manager: 'dnf', packages: ['httpd', 'mod_ssl'], minimal: false, line: 8 },
      { manager: 'yum', packages: ['openssh-server'], minimal: true, line: 9 },
      { manager: 'zypper', packages: ['vim'], minimal: true, line: 10 },
      { manager: 'zypper', packages: ['curl'], minimal: false, line: 10 },
      { manager: 'gem', packages: ['bundler', 'rails'], minimal: true, line: 11 },
    ]);
  });

  it('reads useradd -r -u with option values that look like names', () => {
    expect(minimal?.userCreations).toEqual([{ tool: 'useradd', name: 'jboss', uid: 185, line: 4 }]);
  });
});

describe('parseDockerfile: the escape directive (Windows fixture)', () => {
  const s = stage(fixture('windows-escape.Dockerfile'));

  it('continues lines with a backtick and keeps backslashes in paths', () => {
    expect(s.runs).toEqual([
      { argv: ['New-Item', '-ItemType', 'Directory', '-Path', 'C:\\app'], line: 5 },
      { argv: ['Set-Location', 'C:\\app'], line: 6 },
    ]);
  });

  it('runs shell-form ENTRYPOINT through the SHELL instruction', () => {
    expect(s.entrypoint).toEqual({
      value: ['powershell', '-Command', "$ErrorActionPreference = 'Stop';", 'C:\\app\\service.exe --port 8080'],
      path: 'line 9',
    });
    expect(s.users[0]?.value).toBe('ContainerUser');
  });
});

describe('parseDockerfile: lowercase instructions and here-documents (fixture)', () => {
  const s = stage(fixture('lowercase-heredoc.Dockerfile'));

  it('reads lowercase instructions and `as`', () => {
    expect(s.name).toBe('base');
    expect(s.cmd?.value).toEqual(['bash']);
    expect(s.users).toEqual([{ value: 'svc', path: 'line 20' }]);
  });

  it('splits a bare RUN here-document (bash shebang) into commands at their own lines', () => {
    expect(s.runs.slice(0, 4)).toEqual([
      { argv: ['set', '-euo', 'pipefail'], line: 5 },
      { argv: ['apt-get', 'update'], line: 6 },
      { argv: ['apt-get', 'install', '-y', '--no-install-recommends', 'ca-certificates'], line: 7 },
      { argv: ['useradd', '--create-home', '--shell', '/bin/bash', '${USERNAME}'], line: 8 },
    ]);
    expect(s.userCreations).toEqual([{ tool: 'useradd', name: 'svc', uid: null, line: 8 }]);
  });

  it('reads a here-document fed to bash as a script, and one fed to python as data', () => {
    expect(s.installs).toEqual([
      { manager: 'apt', packages: ['ca-certificates'], minimal: true, line: 7 },
      { manager: 'apt', packages: ['openssh-server'], minimal: false, line: 11 },
    ]);
    expect(s.runs.some((r) => r.argv.includes('gcc'))).toBe(false);
  });

  it('reads COPY <<EOF without taking the body for sources', () => {
    expect(s.copies).toEqual([{ sources: ['<<EOF'], fromStage: null, line: 17 }]);
  });
});

describe('parseDockerfile: FROM and build arguments', () => {
  it('substitutes $BASE, ${BASE} and ${BASE:-x}', () => {
    const df = parse(`ARG BASE=alpine\nARG TAG=3.19\nFROM $BASE:$TAG\nFROM \${BASE}:\${TAG}\nFROM \${OTHER:-debian}:12\nFROM \${BASE:+ghcr.io/acme/}app`);
    expect(df.stages.map((s) => s.from.resolved)).toEqual(['alpine:3.19', 'alpine:3.19', 'debian:12', 'ghcr.io/acme/app']);
  });

  it('leaves resolved null for an ARG without default, a platform ARG, or one declared only inside a stage', () => {
    const df = parse(`ARG BASE\nFROM \${BASE} AS a\nFROM \${BASE:-alpine} AS b\nFROM \${TARGETARCH}/alpine AS c\nARG LATE=alpine\nFROM $LATE`);
    expect(df.stages.map((s) => [s.from.raw, s.from.resolved, s.from.digest])).toEqual([
      ['${BASE}', null, null],
      ['${BASE:-alpine}', null, null],
      ['${TARGETARCH}/alpine', null, null],
      ['$LATE', null, null],
    ]);
  });

  it('takes a digest only from a full sha256 of the resolved reference', () => {
    const df = parse(
      [
        `ARG PIN=${DIGEST}`,
        `FROM alpine:3.19@${DIGEST}`,
        'FROM alpine@${PIN}',
        'FROM alpine@sha256:abc123',
        `FROM alpine@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`,
        `FROM ghcr.io/acme/app:1.2@${DIGEST} AS app`,
      ].join('\n'),
    );
    expect(df.stages.map((s) => s.from.digest)).toEqual([DIGEST, DIGEST, null, null, DIGEST]);
  });

  it('matches earlier stage names case-insensitively, never later ones', () => {
    const df = parse('FROM final AS early\nFROM golang:1.22 AS Builder\nFROM builder AS final\nFROM SCRATCH');
    expect(df.stages.map((s) => [s.from.stageRef, s.from.scratch])).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [false, true],
    ]);
  });

  it('keeps --platform out of the image and `AS` in any case', () => {
    const s = stage('FROM --platform=linux/arm64 alpine:3.19 as Build\nRUN true');
    expect(s.from.raw).toBe('alpine:3.19');
    expect(s.name).toBe('Build');
  });

  it('inherits ENV (not ARG) from the stage a FROM names', () => {
    const df = parse('FROM alpine AS base\nENV APP_UID=1001\nARG GID=99\nFROM base\nUSER ${APP_UID}:${GID}');
    expect(df.stages[1]?.users[0]?.value).toBe('${APP_UID}:${GID}');
    expect(parse('FROM alpine AS base\nENV APP_UID=1001\nFROM base\nUSER $APP_UID').stages[1]?.users[0]?.value).toBe('1001');
  });
});

describe('parseDockerfile: USER, ENV and ARG values', () => {
  it('substitutes USER where the value is known and keeps the text where it is not', () => {
    const s = stage('FROM alpine\nARG UID=1000\nARG GID\nUSER $UID\nUSER ${GID}\nUSER "${NAME:-app}"');
    expect(s.users.map((u) => u.value)).toEqual(['1000', '${GID}', 'app']);
  });

  it('a stage ARG without default takes the global default', () => {
    expect(stage('ARG APP_USER=svc\nFROM alpine\nARG APP_USER\nUSER $APP_USER').users[0]?.value).toBe('svc');
    expect(stage('ARG APP_USER=svc\nFROM alpine\nUSER $APP_USER').users[0]?.value).toBe('$APP_USER');
  });

  it('reads ENV in both forms, quotes and escapes included; one ENV sees the values before it', () => {
    const s = stage('FROM alpine\nENV A=1\nENV A=2 B=$A C="x y" D=\\$HOME\nENV LEGACY some value');
    expect(s.env.map((e) => [e.name, e.value, e.line])).toEqual([
      ['A', '1', 2],
      ['A', '2', 3],
      ['B', '1', 3],
      ['C', 'x y', 3],
      ['D', '$HOME', 3],
      ['LEGACY', 'some value', 4],
    ]);
  });
});

describe('parseDockerfile: CMD, ENTRYPOINT and RUN forms', () => {
  it('reads exec form as argv and falls back to shell form for invalid JSON', () => {
    const s = stage('FROM alpine\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["node", server.js]');
    expect(s.entrypoint?.value).toEqual(['/sbin/tini', '--']);
    expect(s.cmd?.value).toEqual(['/bin/sh', '-c', '["node", server.js]']);
  });

  it('the last CMD of a stage wins; a continued shell form is joined', () => {
    const s = stage('FROM alpine\nCMD ["a"]\nCMD exec gosu app \\\n    node server.js');
    expect(s.cmd).toEqual({ value: ['/bin/sh', '-c', 'exec gosu app     node server.js'], path: 'line 3' });
  });

  it('uses the SHELL instruction for shell forms', () => {
    const s = stage('FROM debian\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nCMD echo hi');
    expect(s.cmd?.value).toEqual(['/bin/bash', '-o', 'pipefail', '-c', 'echo hi']);
  });

  it('splits exec-form RUN through sh -c', () => {
    const s = stage('FROM alpine\nRUN ["/bin/sh", "-c", "apk add --no-cache curl && adduser -D app"]');
    expect(s.runs).toEqual([
      { argv: ['apk', 'add', '--no-cache', 'curl'], line: 2 },
      { argv: ['adduser', '-D', 'app'], line: 2 },
    ]);
    expect(s.installs).toHaveLength(1);
    expect(s.userCreations).toHaveLength(1);
  });

  it('drops comment and blank lines inside continuations and gives each command its own line', () => {
    const s = stage('FROM debian\nRUN apt-get update \\\n    # the tools\n    && apt-get install -y \\\n\n       curl \\\n    && useradd app');
    expect(s.runs).toEqual([
      { argv: ['apt-get', 'update'], line: 2 },
      { argv: ['apt-get', 'install', '-y', 'curl'], line: 4 },
      { argv: ['useradd', 'app'], line: 7 },
    ]);
    expect(s.endLine).toBe(7);
  });

  it('reads a here-document script with several commands; a python shebang is no shell', () => {
    const s = stage('FROM alpine\nRUN <<EOT\n  apk add curl\n  adduser -D -u 70 app\nEOT\nRUN <<EOT\n#!/usr/bin/env python3\nimport os\nEOT');
    expect(s.runs).toEqual([
      { argv: ['apk', 'add', 'curl'], line: 3 },
      { argv: ['adduser', '-D', '-u', '70', 'app'], line: 4 },
    ]);
  });

  it('records a download piped into a shell as an install by `other`', () => {
    const s = stage('FROM debian\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \\\n && apt-get install -y nodejs');
    expect(s.installs).toEqual([
      { manager: 'other', packages: [], minimal: false, line: 2 },
      { manager: 'apt', packages: ['nodejs'], minimal: false, line: 3 },
    ]);
  });

  it('honours apt configuration written earlier in the stage or in the stage it is built FROM', () => {
    const df = parse(
      'FROM debian AS base\nRUN echo \'APT::Install-Recommends "0";\' > /etc/apt/apt.conf.d/00-no-recommends\nRUN apt-get install -y curl\n' +
        'FROM base\nRUN apt-get install -y git\nFROM debian\nRUN apt-get install -y git',
    );
    expect(df.stages.map((s) => s.installs[0]?.minimal)).toEqual([true, true, false]);
  });
});

describe('parseDockerfile: ADD, COPY and EXPOSE', () => {
  it('reads ADD sources in shell and JSON form, ignores other flags, substitutes ARGs', () => {
    const s = stage(
      [
        'FROM alpine',
        'ARG VERSION=1.2.3',
        'ADD --chown=app:app --chmod=755 --link https://example.com/tool-${VERSION}.tgz local.txt /opt/',
        'ADD --keep-git-dir=true git@github.com:acme/lib.git#3f786850e387550fdab836ed7e6dc881de23001b /src/lib',
        'ADD ["my file.txt", "/data/"]',
        `ADD --checksum=${DIGEST} https://example.com/a.tgz /a/`,
      ].join('\n'),
    );
    expect(s.adds).toEqual([
      { sources: ['https://example.com/tool-1.2.3.tgz', 'local.txt'], checksum: null, line: 3 },
      { sources: ['git@github.com:acme/lib.git#3f786850e387550fdab836ed7e6dc881de23001b'], checksum: null, line: 4 },
      { sources: ['my file.txt'], checksum: null, line: 5 },
      { sources: ['https://example.com/a.tgz'], checksum: DIGEST, line: 6 },
    ]);
  });

  it('reads COPY with and without --from', () => {
    const s = stage('FROM alpine\nARG BUILDER=build\nCOPY --from=0 /a /b /dst/\nCOPY --chown=1000 . /app\nCOPY --from=${BUILDER} /out /');
    expect(s.copies).toEqual([
      { sources: ['/a', '/b'], fromStage: '0', line: 3 },
      { sources: ['.'], fromStage: null, line: 4 },
      { sources: ['/out'], fromStage: 'build', line: 5 },
    ]);
  });

  it('expands small EXPOSE ranges, keeps the first port of a large one, substitutes variables', () => {
    const text = 'FROM alpine\nARG PORT=8080\nEXPOSE $PORT 22 3389/udp 5000-5002/tcp 30000-32767 ${PORT}/SCTP';
    const s = stage(text);
    expect(s.exposes.map((e) => `${e.port}/${e.protocol}`)).toEqual([
      '8080/tcp', '22/tcp', '3389/udp', '5000/tcp', '5001/tcp', '5002/tcp', '30000/tcp', '8080/sctp',
    ]);
    expect(notes(text)).toEqual(['line 3: EXPOSE 30000-32767 spans 2768 ports; only 30000 was recorded']);
  });

  it('stops expanding ranges once a Dockerfile has recorded 4096 ports', () => {
    const s = stage(`FROM alpine\n${'EXPOSE 1-64\n'.repeat(100)}`);
    expect(s.exposes).toHaveLength(64 * 64 + 36);
    expect(s.exposes.at(-1)).toEqual({ port: 1, protocol: 'tcp', line: 101 });
  });

  it('skips invalid or unresolvable EXPOSE entries', () => {
    const text = 'FROM alpine\nARG P\nEXPOSE 0 70000 80/xyz abc 90-80 $P 443';
    expect(stage(text).exposes.map((e) => e.port)).toEqual([443]);
    expect(notes(text)).toEqual(['line 3: EXPOSE $P depends on a build argument and was not read']);
  });
});

describe('parseDockerfile: read as BuildKit reads it', () => {
  it('declares every name of ARG A B, and keeps flags out of the arguments of any instruction', () => {
    const df = parse('ARG TARGETOS TARGETARCH\nFROM --platform=$BUILDPLATFORM golang:1.23-alpine\nARG TARGETOS\nUSER $TARGETOS');
    expect(df.stages[0]?.users[0]?.value).toBe('$TARGETOS');
    expect(df.stages[0]?.from).toMatchObject({ raw: 'golang:1.23-alpine', resolved: 'golang:1.23-alpine' });
  });

  it('notes what BuildKit refuses: a flag the instruction does not take, an unterminated here-document', () => {
    const text = 'FROM node:22-bookworm-slim\nCOPY --FROM=build /app /app\nCMD --max-old-space-size=512 server.js\nRUN <<EOF\nnpm ci\n';
    expect(notes(text)).toEqual([
      'line 4: unterminated here-document "EOF" (BuildKit refuses the Dockerfile)',
      'line 2: COPY takes no flag --FROM (BuildKit refuses the Dockerfile)',
      'line 3: CMD takes no flag --max-old-space-size (BuildKit refuses the Dockerfile)',
    ]);
    const s = stage(text);
    expect(s.copies).toEqual([{ sources: ['/app'], fromStage: null, line: 2 }]);
    expect(s.runs).toEqual([{ argv: ['npm', 'ci'], line: 5 }]);
  });

  it('reads here-documents with a file descriptor or a partly quoted name, and ENV names in quotes', () => {
    const s = stage('FROM postgres:17\nRUN psql -f /dev/fd/3 3<<S"Q"L\nCREATE ROLE app;\nSQL\nENV "PGUSER"=app\nUSER postgres');
    expect(s.runs.map((r) => [r.argv[0], r.line])).toEqual([['psql', 2]]);
    expect(s.env).toEqual([{ name: 'PGUSER', value: 'app', line: 5 }]);
    expect(s.users).toEqual([{ value: 'postgres', path: 'line 6' }]);
  });

  it('reads a Dockerfile with CRLF line ends and a byte-order mark as the same Dockerfile', () => {
    const text = fixture('node-multistage.Dockerfile');
    expect(parse(`\uFEFF${text.replace(/\n/g, '\r\n')}`)).toEqual(parse(text));
  });
});

describe('parseDockerfile: what is not a Dockerfile', () => {
  it('refuses content that is not text', () => {
    for (const content of [null, 42, { FROM: 'alpine' }, ['FROM alpine']]) {
      expect(thrown(() => parseDockerfile(content, source))).toBeInstanceOf(ArtifactError);
    }
  });

  it('refuses empty, whitespace-only and comment-only files', () => {
    for (const text of ['', '  \n\t\n', '# syntax=docker/dockerfile:1\n# nothing here\n']) {
      const e = thrown(() => parseDockerfile(text, source));
      expect(e).toBeInstanceOf(ArtifactError);
      expect((e as Error).message).toMatch(/no instructions/);
    }
  });

  it('refuses a file without FROM, and a FROM without image', () => {
    expect((thrown(() => parseDockerfile('RUN echo hi\nCMD ["x"]', source)) as Error).message).toMatch(/no FROM/);
    const e = thrown(() => parseDockerfile('FROM alpine\nFROM\n', source));
    expect(e).toBeInstanceOf(ArtifactError);
    expect((e as ArtifactError).location).toBe('line 2');
  });

  it('notes instructions before the first FROM and unknown instructions', () => {
    expect(notes('ENV A=1\nFROM alpine\nRUNN echo\nRUN true')).toEqual([
      'line 1: ENV before the first FROM belongs to no stage and was ignored',
      'line 3: unknown instruction "RUNN" ignored',
    ]);
  });
});

describe('parseDockerfile: hostile input', () => {
  it('reads a 5 MB file of line continuations in full (its time is measured by the bench)', () => {
    const text = `FROM alpine\nRUN ${'echo aaaa \\\n'.repeat(420_000)}true\n`;
    expect(text.length).toBeGreaterThan(5_000_000);
    const s = stage(text);
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0]?.argv).toHaveLength(2 * 420_000 + 1);
    expect(s.endLine).toBe(420_002);
  }, 60_000);

  it('parses a continuation file just under the limit in a few seconds', () => {
    const lines = Math.floor((512 * 1024 - 100) / 12);
    const started = Date.now();
    const s = stage(`FROM alpine\nRUN ${'echo aaaa \\\n'.repeat(lines)}true\n`);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0]?.argv).toHaveLength(2 * lines + 1);
    expect(s.endLine).toBe(lines + 2);
  }, 30_000);

  it('tolerates NUL bytes and CRLF line ends', () => {
    const s = stage('FROM alpine\r\nRUN echo \0 && apk add \\\r\n  curl\0\r\nUSER app\0\r\n');
    expect(s.installs[0]?.packages).toEqual(['curl\uFFFD']);
    expect(s.users[0]?.value).toBe('app\uFFFD');
    expect(s.runs.map((r) => r.line)).toEqual([2, 2]);
  });

  it('garbage binary ends in an ArtifactError, nothing else', () => {
    const bytes = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode((i * 7919 + 13) % 256)).join('');
    expect(thrown(() => parseDockerfile(bytes, source))).toBeInstanceOf(ArtifactError);
  });

  it('deeply nested substitutions and many stages stay cheap', () => {
    expect(parse('FROM ${A:-${B:-alpine}}:3').stages[0]?.from.resolved).toBe('alpine:3');
    const nested = `FROM ${'${A:-'.repeat(20_000)}alpine${'}'.repeat(20_000)}\n`;
    expect(parse(nested).stages[0]?.from.resolved).toBeNull();
    const chain = `FROM alpine AS s\n${'FROM s AS s\nENV V=1\n'.repeat(5_000)}USER $V`;
    const started = Date.now();
    expect(parse(chain).stages.at(-1)?.users[0]?.value).toBe('1');
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('never throws anything but ArtifactError on arbitrary Dockerfile-like text', () => {
    const token = fc.constantFrom(
      'FROM ', 'RUN ', 'ARG ', 'ENV ', 'USER ', 'EXPOSE ', 'ADD ', 'COPY ', 'CMD ', 'SHELL ', 'from ', 'AS ', '\\\n', '`\n',
      '\n', ' ', '<<EOF', '<<-X', 'EOF\n', '${', '}', '$(', ')', '"', "'", '[', ']', '&&', '|', ';', '#', '# escape=`\n',
      '--from=', '--checksum=', 'sh -c ', 'apt-get install ', 'useradd -u ', '1-70000', '\0', 'alpine', 'x=1',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(token, fc.string({ maxLength: 5 })), { maxLength: 60 }), (parts) => {
        try {
          parseDockerfile(parts.join(''), source);
        } catch (e) {
          if (!(e instanceof ArtifactError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });
});
