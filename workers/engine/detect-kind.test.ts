import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectKind } from './detect-kind.ts';

/** Local rather than from controls/testing.ts, which loads the whole engine. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const DOCKERFILE = dedent(`
  # syntax=docker/dockerfile:1.7
  ARG NODE_VERSION=20
  FROM node:\${NODE_VERSION}-bookworm-slim AS build
  WORKDIR /src
  COPY package*.json ./
  RUN npm ci
  FROM gcr.io/distroless/nodejs20-debian12@sha256:${'a'.repeat(64)}
  COPY --from=build /src /app
  USER 65532
  CMD ["/app/server.js"]
`);

const DOCKER_INSPECT = JSON.stringify(
  [
    {
      Id: '4f2e0c1d9a7b',
      Created: '2024-05-02T09:14:51.123456789Z',
      Path: 'docker-entrypoint.sh',
      Args: ['postgres'],
      State: { Status: 'running', Running: true, Pid: 2811, StartedAt: '2024-05-02T09:14:52.01Z' },
      Image: 'sha256:0c8a0f1a',
      Name: '/shop-db-1',
      RestartCount: 0,
      ExecIDs: null,
      HostConfig: { Binds: ['db:/var/lib/postgresql/data'], NetworkMode: 'shop_default', SecurityOpt: null, PidsLimit: null },
      Config: { Hostname: '4f2e0c1d9a7b', User: '', Image: 'postgres:16', Labels: { 'com.docker.compose.service': 'db' } },
    },
  ],
  null,
  4,
);

const IMAGE_INSPECT = JSON.stringify(
  [
    {
      Id: 'sha256:0c8a0f1a',
      RepoTags: ['postgres:16'],
      RepoDigests: ['postgres@sha256:' + 'b'.repeat(64)],
      Created: '2024-04-10T22:17:03Z',
      Config: { User: '', ExposedPorts: { '5432/tcp': {} }, Entrypoint: ['docker-entrypoint.sh'], Cmd: ['postgres'] },
      Architecture: 'amd64',
      Os: 'linux',
      RootFS: { Type: 'layers', Layers: ['sha256:' + 'c'.repeat(64)] },
    },
  ],
  null,
  4,
);

const DOCKER_INFO = JSON.stringify({
  ID: '7d0f2c8a-6a7e-4d0b-9b57-2d3f5c1e0a11',
  Containers: 4,
  ContainersRunning: 3,
  Driver: 'overlay2',
  CgroupDriver: 'systemd',
  KernelVersion: '6.8.0-45-generic',
  OperatingSystem: 'Ubuntu 24.04.1 LTS',
  ServerVersion: '27.3.1',
  SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns'],
});

const KUBERNETES_YAML = dedent(`
  ---
  # Source: shop/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: checkout-api
  spec:
    template:
      spec:
        containers:
          - name: api
            image: ghcr.io/acme/checkout-api:1.4.2
`);

const KUBERNETES_JSON = JSON.stringify(
  { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-7d9f' } }] },
  null,
  2,
);

const COMPOSE = dedent(`
  name: shop
  services:
    db:
      image: postgres:16
      read_only: true
      security_opt:
        - no-new-privileges:true
  volumes:
    db: {}
`);

const COSIGN_JSON = JSON.stringify([
  {
    critical: {
      identity: { 'docker-reference': 'ghcr.io/acme/checkout-api' },
      image: { 'docker-manifest-digest': 'sha256:' + 'd'.repeat(64) },
      type: 'cosign container image signature',
    },
    optional: { Bundle: { SignedEntryTimestamp: 'MEUCIQ' }, Issuer: 'https://token.actions.githubusercontent.com' },
  },
]);

const COSIGN_TEXT = dedent(`
  Verification for ghcr.io/acme/checkout-api@sha256:${'d'.repeat(64)} --
  The following checks were performed on each of these signatures:
    - The cosign claims were validated
    - Existence of the claims in the transparency log was verified offline
    - The code-signing certificate was verified using trusted certificate authority certificates
`);

const NOTATION_TEXT = `Successfully verified signature for registry.example.com/shop/api@sha256:${'e'.repeat(64)}\n`;

const SBOM_CYCLONEDX = JSON.stringify(
  { $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json', bomFormat: 'CycloneDX', specVersion: '1.5', components: [] },
  null,
  2,
);
const SBOM_SPDX = JSON.stringify({ spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', packages: [] }, null, 2);

const DPKG_QUERY = 'adduser\t3.134\napt\t2.6.1\nbase-files\t12.4+deb12u5\nlibc6:amd64\t2.36-9+deb12u4\nopenssl\t3.0.11-1~deb12u2\n';
const DPKG_L = dedent(`
  Desired=Unknown/Install/Remove/Purge/Hold
  | Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
  |/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
  ||/ Name           Version      Architecture Description
  +++-==============-============-============-=================================
  ii  adduser        3.134        all          add and remove users and groups
  ii  apt            2.6.1        amd64        commandline package manager
`);
const APK = 'alpine-baselayout-3.4.3-r2\nbusybox-1.36.1-r15\nca-certificates-bundle-20240226-r0\nmusl-1.2.4_git20230717-r4\n';
const APK_LIST = 'musl-1.2.4_git20230717-r4 x86_64 {musl} (MIT) [installed]\nzlib-1.3.1-r0 x86_64 {zlib} (Zlib) [installed]\n';
const RPM = 'bash-5.1.8-9.el9.x86_64\ngpg-pubkey-fd431d51-4ae0493b\nopenssl-libs-3.0.7-27.el9.x86_64\ntzdata-2024a-1.el9.noarch\n';

const PS = dedent(`
  USER         PID COMMAND         COMMAND
  app            1 node            node /app/server.js
  app           27 sh              sh -c sleep 5
`);
const DOCKER_TOP = dedent(`
  UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD
  999                 2811                2790                0                   09:14               ?                   00:00:01            postgres
`);
const TOP_JSON = JSON.stringify({ Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['999', '2811', '2790', '0', '09:14', '?', '00:00:01', 'postgres']] });

const EVENTS = [
  { status: 'exec_start: sh', id: '4f2e0c1d9a7b', from: 'postgres:16', Type: 'container', Action: 'exec_start: sh', Actor: { ID: '4f2e0c1d9a7b', Attributes: { execID: 'a1b2', name: 'shop-db-1' } }, scope: 'local', time: 1714641600, timeNano: 1714641600123456789 },
  { Type: 'container', Action: 'exec_die', Actor: { ID: '4f2e0c1d9a7b', Attributes: { exitCode: '0' } }, scope: 'local', time: 1714641660, timeNano: 1714641660000000000 },
].map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('detectKind by content', () => {
  const cases: [string, string, string][] = [
    ['dockerfile', 'build/app', DOCKERFILE],
    ['docker-inspect', 'inspect.json', DOCKER_INSPECT],
    ['docker-image-inspect', 'image.json', IMAGE_INSPECT],
    ['docker-info', 'info.json', DOCKER_INFO],
    ['kubernetes', 'deploy.yaml', KUBERNETES_YAML],
    ['kubernetes', 'pods.json', KUBERNETES_JSON],
    ['compose', 'stack.yml', COMPOSE],
    ['signature', 'cosign.json', COSIGN_JSON],
    ['signature', 'cosign.txt', COSIGN_TEXT],
    ['signature', 'notation.txt', NOTATION_TEXT],
    ['sbom', 'sbom.json', SBOM_CYCLONEDX],
    ['sbom', 'sbom.spdx.json', SBOM_SPDX],
    ['packages', 'dpkg.txt', DPKG_QUERY],
    ['packages', 'dpkg-l.txt', DPKG_L],
    ['packages', 'apk.txt', APK],
    ['packages', 'apk-list.txt', APK_LIST],
    ['packages', 'rpm.txt', RPM],
    ['processes', 'ps.txt', PS],
    ['processes', 'top.txt', DOCKER_TOP],
    ['processes', 'top.json', TOP_JSON],
    ['docker-events', 'events.jsonl', EVENTS],
  ];
  it.each(cases)('recognises %s (%s)', (kind, name, text) => {
    expect(detectKind(name, text)).toBe(kind);
  });

  it('recognises the Engine API container list and docker ps --format json lines as docker-inspect, and syft\'s table as packages', () => {
    const list = readFileSync(new URL('../../test/fixtures/docker-api/containers.json', import.meta.url), 'utf8');
    expect(detectKind('containers.json', list)).toBe('docker-inspect');
    const ps = '{"Command":"\\"docker-entrypoint.s…\\"","ID":"0d41c5a7e2b9","Image":"redis:7.4","Labels":"","Mounts":"","Names":"cache","Ports":"0.0.0.0:6379->6379/tcp","State":"running","Status":"Up 2 hours"}\n';
    expect(detectKind('ps.json', ps)).toBe('docker-inspect');
    const syft = readFileSync(new URL('../../test/fixtures/packages/syft-table-shop-web.txt', import.meta.url), 'utf8');
    expect(detectKind('syft.txt', syft)).toBe('packages');
  });

  it('recognises an OCI image config as served by a registry', () => {
    const config = JSON.stringify(
      {
        architecture: 'arm64',
        os: 'linux',
        config: { User: '0:0', Cmd: ['/usr/sbin/sshd', '-D'] },
        created: '2025-01-14T09:12:33Z',
        history: [{ created_by: 'RUN /bin/sh -c apt-get install -y openssh-server # buildkit' }],
        rootfs: { type: 'layers', diff_ids: ['sha256:' + 'f'.repeat(64)] },
      },
      null,
      2,
    );
    expect(detectKind('config.json', config)).toBe('docker-image-inspect');
  });

  it('trusts clear content over a misleading file name', () => {
    expect(detectKind('compose-shop.json', DOCKER_INSPECT)).toBe('docker-inspect');
    expect(detectKind('docker-compose.inspect.yaml', KUBERNETES_YAML)).toBe('kubernetes');
  });

  it('recognises docker events given as a JSON array and ps with other user columns', () => {
    const array = JSON.stringify(EVENTS.trim().split('\n').map((l) => JSON.parse(l) as unknown), null, 2);
    expect(detectKind('events.json', array)).toBe('docker-events');
    expect(detectKind('ps.txt', 'EUSER  PID CMDLINE\napp      1 node server.js\n')).toBe('processes');
  });

  it('covers all eleven kinds', () => {
    expect(new Set(cases.map(([k]) => k)).size).toBe(11);
  });

  it('reads through a byte order mark and CRLF line ends', () => {
    expect(detectKind('x', '\uFEFF' + DOCKERFILE.replace(/\n/g, '\r\n'))).toBe('dockerfile');
    expect(detectKind('x', PS.replace(/\n/g, '\r\n'))).toBe('processes');
  });
});

describe('detectKind by name', () => {
  it.each([
    ['Dockerfile', 'dockerfile'],
    ['services/api/Dockerfile.prod', 'dockerfile'],
    ['api.dockerfile', 'dockerfile'],
    ['Containerfile', 'dockerfile'],
    ['compose.yaml', 'compose'],
    ['deploy/docker-compose.override.yml', 'compose'],
    ['docker-compose-prod.yml', 'compose'],
  ])('%s → %s even when the content says little', (name, kind) => {
    expect(detectKind(name, 'x')).toBe(kind);
  });

  it('does not guess compose from a JSON name alone', () => {
    expect(detectKind('compose-ps.json', '[]')).toBeNull();
  });

  it('does not take documentation about Dockerfiles for one', () => {
    expect(detectKind('Dockerfile.md', '# How we build\n\nSee the FROM line.')).toBeNull();
  });
});

describe('detectKind when unsure', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t\n'],
    ['prose', 'Release notes\n\nThis release fixes the login page.\n'],
    ['other JSON', JSON.stringify({ name: 'web', version: '1.0.0', dependencies: {} }, null, 2)],
    ['other YAML', 'name: CI\non:\n  push:\njobs:\n  build:\n    runs-on: ubuntu-latest\n'],
    ['indented services key', 'x:\n  services:\n    a: {}\n'],
    ['mixed lines', 'bash-5.1.8-9.el9.x86_64\nhello world\nfoo bar baz\nlorem\n'],
    ['broken JSON line', '{"Type": "container", "Action":\n'],
  ])('returns null for %s', (_, text) => {
    expect(detectKind('upload', text)).toBeNull();
  });

  it('looks only at the first 16 KB', () => {
    const padded = `{"padding": "${'x'.repeat(20_000)}", "HostConfig": {}, "State": {}}`;
    expect(detectKind('big.json', padded)).toBeNull();
  });

  it('stays fast on long pathological lines', () => {
    const line = 'a-'.repeat(100_000);
    const started = performance.now();
    expect(detectKind('x', `${line}\n${line}`)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
