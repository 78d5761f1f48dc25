import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DockerInstruction, type DockerfileReading, readDockerfile, readDockerfileOnce } from './dockerfile-reader.ts';
import { dockerfileArbitrary } from './testing.ts';

/** The instruction at `i`, or a failed test. */
function ins(reading: DockerfileReading, i: number): DockerInstruction {
  const v = reading.instructions[i];
  if (!v) throw new Error(`no instruction ${i}`);
  return v;
}
const outline = (r: DockerfileReading): [string, number, number][] => r.instructions.map((i) => [i.keyword, i.line, i.endLine]);

// In the style of docker-library/postgres: tabs, `set -eux; \`, comment lines inside continuations.
const POSTGRES = `# syntax=docker/dockerfile:1
# check=error=true
FROM debian:bookworm-slim

RUN set -eux; \\
	groupadd -r postgres --gid=999; \\
# the UID is fixed so that volumes keep their owner across image versions
	useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \\
	mkdir -p /var/lib/postgresql; \\

	chown -R postgres:postgres /var/lib/postgresql

ENV GOSU_VERSION 1.17
ENV PG_MAJOR=17 \\
	PGDATA="/var/lib/postgresql/data"
ENV PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin

VOLUME /var/lib/postgresql/data
COPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
`;

// BuildKit's here-documents, as its documentation uses them.
const NGINX = `# syntax=docker/dockerfile:1.7
FROM nginx:1.27-alpine AS base
RUN <<EOF
set -eux
apk add --no-cache curl
EOF
COPY <<-"EOT" /etc/nginx/conf.d/default.conf
	server {
	    listen 8080;
	    location / { root /usr/share/nginx/html; }
	}
	EOT
ADD <<EOF /usr/share/nginx/html/index.html
<h1>$HOSTNAME</h1>
EOF
RUN <<SETUP <<'MOTD' sh -c 'sh /dev/stdin && cat > /etc/motd'
adduser -D -u 10001 web
SETUP
Served by $HOSTNAME
MOTD
USER 10001
`;

// Build mounts, cross-compilation and every flag of FROM, RUN, COPY, ADD and HEALTHCHECK.
const GO = `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=bind,source=go.sum,target=go.sum \\
    go mod download -x
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,target=. --network=none \\
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /bin/server ./cmd/server
RUN --security=insecure --network=host go test ./...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build --chown=nonroot:nonroot --chmod=0755 --link /bin/server /server
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/ca.pem /etc/ssl/certs/
ADD --keep-git-dir=true https://github.com/acme/assets.git#v1.2.0 /assets
HEALTHCHECK --interval=30s --timeout=3s CMD ["/server", "-healthcheck"]
USER nonroot:nonroot
ENTRYPOINT ["/server"]
`;

// Windows Server Core, in the style of the official Windows images: the backtick escape.
const WINDOWS = `# escape=\`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]
ENV NODE_VERSION 22.11.0
RUN Invoke-WebRequest $('https://nodejs.org/dist/v{0}/node-v{0}-win-x64.zip' -f $env:NODE_VERSION) -OutFile 'node.zip'; \`
    Expand-Archive node.zip -DestinationPath C:\\ ; \`
    Remove-Item -Force node.zip
WORKDIR C:\\app
CMD ["node.exe"]
`;

// An ONBUILD base image, like the retired \`python:onbuild\` variants.
const ONBUILD = `FROM python:3.12-slim
WORKDIR /usr/src/app
ONBUILD COPY requirements.txt /usr/src/app/
onbuild run pip install --no-cache-dir -r requirements.txt
ONBUILD RUN <<EOF
pip check
EOF
CMD ["python3"]
`;

describe('readDockerfile: parser directives', () => {
  it('reads syntax, check and escape before the first instruction, names in any case', () => {
    const r = readDockerfile('#syntax = docker/dockerfile:1.7\n# CHECK=skip=JSONArgsRecommended\n  # Escape=`\nFROM alpine:3.20\n');
    expect(r.directives.map((d) => [d.name, d.value, d.line, d.column])).toEqual([
      ['syntax', 'docker/dockerfile:1.7', 1, 1],
      ['check', 'skip=JSONArgsRecommended', 2, 1],
      ['escape', '`', 3, 3],
    ]);
    expect(r.escape).toBe('`');
    expect(readDockerfile(POSTGRES).directives.map((d) => d.name)).toEqual(['syntax', 'check']);
  });

  it('stops at the first instruction, empty line, other comment or unknown directive, as BuildKit does', () => {
    for (const text of [
      'FROM alpine:3.20\n# escape=`\nRUN echo `\n',
      '# syntax=docker/dockerfile:1\n\n# escape=`\nFROM alpine:3.20\n',
      '# Build the API image\n# escape=`\nFROM alpine:3.20\n',
      '# maintainer=team@example.com\n# escape=`\nFROM alpine:3.20\n',
    ]) {
      const r = readDockerfile(text);
      expect(r.escape).toBe('\\');
      expect(r.directives.map((d) => d.name)).not.toContain('escape');
    }
  });

  it('reports what BuildKit refuses: a repeated directive, an escape that is neither \\ nor `', () => {
    expect(readDockerfile('# escape=`\n# escape=\\\nFROM alpine:3.20\n')).toMatchObject({
      escape: '`',
      problems: [{ severity: 'error', line: 2, message: 'only one escape parser directive can be used' }],
    });
    expect(readDockerfile('# escape=^\nFROM alpine:3.20\n')).toMatchObject({ escape: '\\', problems: [{ line: 1, message: expect.stringContaining("invalid escape token '^'") }] });
  });
});

describe('readDockerfile: lines', () => {
  it('reads the official-image idiom: continuations with comment and empty lines inside them', () => {
    const r = readDockerfile(POSTGRES);
    expect(outline(r)).toEqual([
      ['FROM', 3, 3],
      ['RUN', 5, 11],
      ['ENV', 13, 13],
      ['ENV', 14, 15],
      ['ENV', 16, 16],
      ['VOLUME', 18, 18],
      ['COPY', 19, 19],
      ['ENTRYPOINT', 20, 20],
      ['STOPSIGNAL', 21, 21],
      ['EXPOSE', 22, 22],
      ['CMD', 23, 23],
    ]);
    const run = ins(r, 1);
    expect(run.rest).toBe('set -eux; \tgroupadd -r postgres --gid=999; \tuseradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \tmkdir -p /var/lib/postgresql; \tchown -R postgres:postgres /var/lib/postgresql');
    // The empty line inside the continuation is dropped with a warning (BuildKit: a future error).
    expect(r.problems).toEqual([{ severity: 'warning', line: 5, message: expect.stringContaining('empty continuation line') }]);
  });

  it('locates every argument on its own line, also across continuations', () => {
    const run = ins(readDockerfile(POSTGRES), 1);
    const useradd = run.args.find((a) => a.value === 'useradd');
    expect(useradd).toMatchObject({ line: 8, column: 2 });
    const chown = run.args.find((a) => a.value === 'chown');
    expect(chown).toMatchObject({ line: 11, column: 2 });
    expect(POSTGRES.slice(chown?.offset, (chown?.offset ?? 0) + 5)).toBe('chown');
    expect(run.logical.line(run.rest.indexOf('mkdir') + run.restAt)).toBe(9);
  });

  it('reads CRLF line ends and a byte-order mark like LF', () => {
    const crlf = `\uFEFF${POSTGRES.replace(/\n/g, '\r\n')}`;
    const r = readDockerfile(crlf);
    expect(outline(r)).toEqual(outline(readDockerfile(POSTGRES)));
    expect(ins(r, 1).rest).toBe(ins(readDockerfile(POSTGRES), 1).rest);
    expect(ins(r, 0)).toMatchObject({ keyword: 'FROM', line: 3, column: 1 });
    expect(r.directives.map((d) => d.value)).toEqual(['docker/dockerfile:1', 'error=true']);
  });

  it('keeps an escaped escape at the end of a line from continuing it', () => {
    const r = readDockerfile('FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo C:\\\\\nUSER ContainerUser\n');
    expect(outline(r)).toEqual([['FROM', 1, 1], ['RUN', 2, 2], ['USER', 3, 3]]);
  });

  it('reads the backtick escape: continuations end in `, backslashes are path separators', () => {
    const r = readDockerfile(WINDOWS);
    expect(r.escape).toBe('`');
    expect(outline(r)).toEqual([['FROM', 2, 2], ['SHELL', 3, 3], ['ENV', 4, 4], ['RUN', 5, 7], ['WORKDIR', 8, 8], ['CMD', 9, 9]]);
    expect(ins(r, 3).rest).toContain("-OutFile 'node.zip';     Expand-Archive node.zip -DestinationPath C:\\ ;     Remove-Item");
    expect(ins(r, 4).rest).toBe('C:\\app');
    expect(ins(r, 1).json).toEqual(['powershell', '-Command', "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]);
  });

  it('reads instructions in any case and keeps the keyword as written', () => {
    const r = readDockerfile(ONBUILD);
    expect(r.instructions.map((i) => [i.keyword, i.word])).toEqual([
      ['FROM', 'FROM'], ['WORKDIR', 'WORKDIR'], ['ONBUILD', 'ONBUILD'], ['ONBUILD', 'onbuild'], ['ONBUILD', 'ONBUILD'], ['CMD', 'CMD'],
    ]);
    expect(ins(r, 3).trigger).toMatchObject({ keyword: 'RUN', word: 'run', rest: 'pip install --no-cache-dir -r requirements.txt', line: 4, column: 9 });
  });
});

describe('readDockerfile: flags', () => {
  const r = readDockerfile(GO);

  it('reads every flag with its value and place', () => {
    expect(r.instructions.map((i) => [i.keyword, i.flags.map((f) => [f.name, f.value])])).toEqual([
      ['FROM', [['platform', '$BUILDPLATFORM']]],
      ['ARG', []],
      ['WORKDIR', []],
      ['RUN', [['mount', 'type=cache,target=/go/pkg/mod'], ['mount', 'type=bind,source=go.sum,target=go.sum']]],
      ['RUN', [['mount', 'type=cache,target=/go/pkg/mod'], ['mount', 'type=bind,target=.'], ['network', 'none']]],
      ['RUN', [['security', 'insecure'], ['network', 'host']]],
      ['FROM', []],
      ['COPY', [['from', 'build'], ['chown', 'nonroot:nonroot'], ['chmod', '0755'], ['link', null]]],
      ['ADD', [['checksum', 'sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d']]],
      ['ADD', [['keep-git-dir', 'true']]],
      ['HEALTHCHECK', [['interval', '30s'], ['timeout', '3s']]],
      ['USER', []],
      ['ENTRYPOINT', []],
    ]);
    const second = ins(r, 3).flags[1];
    expect(second).toMatchObject({ line: 6, column: 5, raw: '--mount=type=bind,source=go.sum,target=go.sum' });
    expect(ins(r, 3)).toMatchObject({ rest: 'go mod download -x', line: 5, endLine: 7 });
    expect(ins(r, 3).args[0]).toMatchObject({ value: 'go', line: 7, column: 5 });
  });

  it('removes quotes from flag values, and a lone -- ends the flags', () => {
    const copy = ins(readDockerfile('FROM node:22\nCOPY --chown="node:node" -- --weird-name /app/\n'), 1);
    expect(copy.flags.map((f) => [f.name, f.value])).toEqual([['chown', 'node:node']]);
    expect(copy.rest).toBe('--weird-name /app/');
  });

  it('reads the arguments of FROM after its flags', () => {
    expect(ins(r, 0).args.map((a) => [a.value, a.column])).toEqual([['golang:1.23-alpine', 32], ['AS', 51], ['build', 54]]);
  });
});

describe('readDockerfile: exec and shell form', () => {
  it('reads a JSON array of strings as exec form, anything else as shell form', () => {
    const r = readDockerfile('FROM node:22\nENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["node", server.js]\nRUN ["sh", "-c", \\\n    "npm ci"]\nCOPY ["my file.txt", "/data/"]\nSHELL ["bash", "-o", "pipefail", "-c"]\n');
    expect(r.instructions.map((i) => i.json)).toEqual([null, ['/usr/bin/tini', '--'], null, ['sh', '-c', 'npm ci'], ['my file.txt', '/data/'], ['bash', '-o', 'pipefail', '-c']]);
    expect(ins(r, 2).rest).toBe('["node", server.js]');
    expect(r.problems).toEqual([]);
  });

  it('reports a JSON array of anything but strings, which BuildKit refuses', () => {
    const r = readDockerfile('FROM node:22\nCMD ["node", 8080]\n');
    expect(ins(r, 1).json).toBeNull();
    expect(r.problems).toEqual([{ severity: 'error', line: 2, message: expect.stringContaining('other than strings') }]);
  });
});

describe('readDockerfile: here-documents', () => {
  const r = readDockerfile(NGINX);

  it('reads bodies for RUN, COPY and ADD, with quoted names, <<- and two on one line', () => {
    expect(outline(r)).toEqual([['FROM', 2, 2], ['RUN', 3, 6], ['COPY', 7, 12], ['ADD', 13, 15], ['RUN', 16, 20], ['USER', 21, 21]]);
    expect(r.instructions.map((i) => i.heredocs.map((d) => [d.name, d.chomp, d.expand, d.line, d.endLine]))).toEqual([
      [],
      [['EOF', false, true, 4, 6]],
      [['EOT', true, false, 8, 12]],
      [['EOF', false, true, 14, 15]],
      [['SETUP', false, true, 17, 18], ['MOTD', false, false, 19, 20]],
      [],
    ]);
    expect(ins(r, 1).heredocs[0]?.content).toBe('set -eux\napk add --no-cache curl\n');
    expect(ins(r, 2).heredocs[0]?.content).toBe('\tserver {\n\t    listen 8080;\n\t    location / { root /usr/share/nginx/html; }\n\t}\n');
    expect(ins(r, 2).args.map((a) => a.value)).toEqual(['<<-"EOT"', '/etc/nginx/conf.d/default.conf']);
    expect(ins(r, 4)).toMatchObject({ bodyLine: 17, rest: "<<SETUP <<'MOTD' sh -c 'sh /dev/stdin && cat > /etc/motd'" });
  });

  it('reads here-documents behind ONBUILD, and none in exec form or glued to a word', () => {
    const onbuild = readDockerfile(ONBUILD);
    expect(outline(onbuild)).toEqual([['FROM', 1, 1], ['WORKDIR', 2, 2], ['ONBUILD', 3, 3], ['ONBUILD', 4, 4], ['ONBUILD', 5, 7], ['CMD', 8, 8]]);
    expect(ins(onbuild, 4).trigger?.heredocs.map((d) => d.content)).toEqual(['pip check\n']);
    const none = readDockerfile('FROM alpine:3.20\nRUN ["cat", "<<EOF"]\nRUN cat<<EOF\nUSER app\n');
    expect(outline(none)).toEqual([['FROM', 1, 1], ['RUN', 2, 2], ['RUN', 3, 3], ['USER', 4, 4]]);
  });

  it('takes a file descriptor and partly quoted names as BuildKit does', () => {
    const docs = readDockerfile('FROM alpine:3.20\nRUN cat 3<<E"O"F\nx\nEOF\n').instructions[1]?.heredocs;
    expect(docs).toEqual([{ name: 'EOF', chomp: false, expand: false, fd: 3, content: 'x\n', line: 3, endLine: 4, terminated: true }]);
  });

  it('reports a here-document that never ends and reads the rest of the file as its body', () => {
    const u = readDockerfile('FROM alpine:3.20\nRUN <<EOF\napk add curl\nUSER app\n');
    expect(outline(u)).toEqual([['FROM', 1, 1], ['RUN', 2, 4]]);
    expect(u.problems).toEqual([{ severity: 'error', line: 2, message: 'unterminated here-document "EOF"' }]);
  });
});

describe('readDockerfile: ENV, ARG and LABEL', () => {
  it('reads NAME=value pairs as written, the old NAME value form, and ARG names without values', () => {
    const pg = readDockerfile(POSTGRES);
    expect(pg.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.properties.map((p) => [p.name, p.value]))).toEqual([
      [['GOSU_VERSION', '1.17']],
      [['PG_MAJOR', '17'], ['PGDATA', '"/var/lib/postgresql/data"']],
      [['PATH', '$PATH:/usr/lib/postgresql/$PG_MAJOR/bin']],
    ]);
    const pgdata = ins(pg, 3).properties[1];
    expect(pgdata?.valueAt).toMatchObject({ line: 15, column: 9 });
    expect(POSTGRES.slice(pgdata?.valueAt?.offset, pgdata?.valueEnd)).toBe('"/var/lib/postgresql/data"');
    expect(ins(readDockerfile(GO), 1).properties.map((p) => [p.name, p.value])).toEqual([['TARGETOS', null], ['TARGETARCH', null]]);
    const label = ins(readDockerfile('FROM alpine\nLABEL org.opencontainers.image.title="Shop API" \\\n      org.opencontainers.image.version=1.4.2\n'), 1);
    expect(label.properties.map((p) => [p.name, p.value, p.nameAt.line])).toEqual([
      ['org.opencontainers.image.title', '"Shop API"', 2],
      ['org.opencontainers.image.version', '1.4.2', 3],
    ]);
  });

  it('reports ENV without a value and a word without =, which BuildKit refuses', () => {
    expect(readDockerfile('FROM alpine\nENV DEBUG\n').problems.map((p) => p.message)).toEqual(['ENV must have two arguments']);
    expect(readDockerfile('FROM alpine\nENV A=1 B\n').problems.map((p) => p.message)).toEqual([expect.stringContaining('no = in "B"')]);
  });
});

describe('readDockerfile: any text', () => {
  it('reads a 5 MB file of continuations as one instruction (its time is measured by the bench)', () => {
    const text = `FROM debian:bookworm-slim\nRUN apt-get install -y \\\n${'    ca-certificates \\\n'.repeat(240_000)}    tini\n`;
    expect(text.length).toBeGreaterThan(5_000_000);
    const r = readDockerfile(text);
    expect(outline(r)).toEqual([['FROM', 1, 1], ['RUN', 2, 240_003]]);
    expect(ins(r, 1).args.at(-1)).toMatchObject({ value: 'tini', line: 240_003, column: 5 });
  }, 60_000);

  it('reads ONBUILD ONBUILD one level deep and reports it, however long the chain', () => {
    const r = readDockerfile(`FROM alpine:3.20\n${'ONBUILD '.repeat(100_000)}RUN make\n`);
    expect(outline(r)).toEqual([['FROM', 1, 1], ['ONBUILD', 2, 2]]);
    expect(ins(r, 1).trigger?.trigger).toBeNull();
    expect(r.problems.map((p) => p.message)).toEqual(['ONBUILD ONBUILD is not allowed']);
  });

  it('reads the same text once when asked twice in a row (the redactor, then the parser)', () => {
    const first = readDockerfileOnce(GO);
    expect(readDockerfileOnce(GO)).toBe(first);
    expect(readDockerfileOnce(NGINX)).not.toBe(first);
  });

  it('never throws, and every located thing lies in the text', () => {
    fc.assert(
      fc.property(fc.oneof(dockerfileArbitrary.map((d) => d.text), fc.string({ maxLength: 300 })), (text) => {
        const r = readDockerfile(text);
        for (const i of r.instructions) {
          expect(i.offset).toBeLessThanOrEqual(text.length);
          expect(i.end).toBeLessThanOrEqual(text.length);
          expect(i.endLine).toBeGreaterThanOrEqual(i.line);
          for (const a of i.args) expect(text.slice(a.offset, a.offset + 1)).toBe(a.value.charAt(0));
          for (const f of i.flags) expect(text.slice(f.offset, f.offset + 2)).toBe('--');
        }
      }),
      { numRuns: 300 },
    );
  });
});
