import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../workers/engine/version.ts';
import packageJson from '../package.json' with { type: 'json' };

const PACKAGE_VERSION = packageJson.version;
import { CONTROLS } from '../workers/controls/index.ts';
import { buildEvidence, unreadableArtifacts, unreadableSummary } from '../workers/engine/parse.ts';
import { parseCheckArgs, parseKindSpec, UsageError } from './args.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const DIGEST = `sha256:${'4c'.repeat(32)}`;

const FILES: Record<string, string> = {
  // Installs nothing and copies only: 3.8, 3.11 and 3.12 pass from it.
  Dockerfile: [
    `FROM alpine:3.20@${DIGEST}`,
    'RUN addgroup -S app && adduser -S -G app -u 10001 app',
    'COPY --chown=app:app server /app/server',
    'USER 10001',
    'ENTRYPOINT ["/app/server"]',
    '',
  ].join('\n'),
  // Hardened service, nothing sensitive published, no socket: 3.5, 3.13 and 3.15 pass.
  'compose.yaml': [
    'services:',
    '  api:',
    `    image: ghcr.io/acme/api@${DIGEST}`,
    '    user: "10001"',
    '    read_only: true',
    '    security_opt:',
    '      - no-new-privileges:true',
    '    pids_limit: 200',
    '    ports:',
    '      - "127.0.0.1:8080:8080"',
    '',
  ].join('\n'),
  // The Docker API published to everyone and the socket mounted read-write: L1 fails.
  'deploy/docker-compose.yml': [
    'services:',
    '  agent:',
    '    image: docker:27-dind',
    '    privileged: true',
    '    ports:',
    '      - "2375:2375"',
    '    volumes:',
    '      - /var/run/docker.sock:/var/run/docker.sock',
    '',
  ].join('\n'),
  'notes.txt': 'Release notes\n\nThis release fixes the login page.\n',
  'broken.json': '[\n  {\n    "Id": "4f2e0c1d9a7b",\n    "State": {"Running": true},\n    "HostConfig": {\n',
};

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csvs-cli-'));
  for (const [name, content] of Object.entries(FILES)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  await mkdir(join(dir, 'a-folder'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node cli/main.ts ARGS` in the fixture folder, the way CI would run it. */
function csvs(args: string[], input?: string): Promise<Run> {
  return new Promise((done, failed) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', failed);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('parseCheckArgs', () => {
  it('reads files, kinds, level, format, workload and output', () => {
    const o = parseCheckArgs([
      'Dockerfile.build', '-', '--kind', 'Dockerfile.build=dockerfile', '--kind=-=docker-inspect',
      '--level', 'l2', '--format', 'SARIF', '--workload', 'shop', '-o', 'out.sarif',
    ]);
    expect(o.files).toEqual(['Dockerfile.build', '-']);
    expect([...o.kinds]).toEqual([['Dockerfile.build', 'dockerfile'], ['-', 'docker-inspect']]);
    expect(o).toMatchObject({ level: 'L2', format: 'sarif', workload: 'shop', output: 'out.sarif', help: false });
  });

  it('defaults to the table and no level', () => {
    expect(parseCheckArgs(['Dockerfile'])).toMatchObject({ level: null, format: 'table', workload: null, output: null });
  });

  it('splits FILE=KIND at the last = so file names may contain one', () => {
    expect(parseKindSpec('build=prod.Dockerfile=dockerfile')).toEqual(['build=prod.Dockerfile', 'dockerfile']);
  });

  it.each([
    [[], /no files given/],
    [['x', '--level', 'L4'], /--level must be one of L1, L2, L3/],
    [['x', '--format', 'xml'], /--format must be one of table, json, sarif, junit/],
    [['x', '--kind', 'x'], /--kind expects FILE=KIND/],
    [['x', '--kind', 'x=helm'], /unknown kind "helm"/],
    [['x', '--kind', 'y=dockerfile'], /names "y", which is not among the files/],
    [['-', '-'], /standard input \(-\) can be read only once/],
    [['x', '--colour'], /Unknown option '--colour'/],
    [['x', '--level'], /argument missing/],
    [['x', '--workload', ' '], /--workload must not be empty/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(UsageError);
    expect(() => parseCheckArgs(argv)).toThrow(message);
  });

  it('lets --help through without files', () => {
    expect(parseCheckArgs(['--help']).help).toBe(true);
  });
});

describe('csvs (no engine needed)', () => {
  it('prints help listing the check command', async () => {
    const r = await csvs(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}check +evaluate artifacts/m);
  });

  it('prints the CLI and rule set versions', async () => {
    const r = await csvs(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`csvs ${PACKAGE_VERSION} (rules ${ENGINE_VERSION})\n`);
    expect(ENGINE_VERSION).toMatch(/^\d+\+[0-9a-f]{12}$/);
  });

  it('exits 2 on a missing or unknown command', async () => {
    expect((await csvs([])).code).toBe(2);
    const r = await csvs(['chek']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "chek"');
  });
});

describe('csvs check', () => {
  it('documents the --kind syntax in its help', async () => {
    const r = await csvs(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--kind FILE=KIND');
    expect(r.stdout).toContain('--kind=-=KIND');
  });

  it('exits 2 with usage on a bad command line', async () => {
    const r = await csvs(['check', 'Dockerfile', '--level', 'L4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--level must be one of L1, L2, L3");
    expect(r.stderr).toContain("csvs check --help");
    expect(r.stdout).toBe('');
  });

  it('exits 2 naming files that cannot be read', async () => {
    const r = await csvs(['check', 'Dockerfile', 'missing.yaml', 'a-folder']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read missing.yaml: no such file');
    expect(r.stderr).toContain('cannot read a-folder: it is a directory');
    expect(r.stdout).toBe('');
  });

  it('exits 2 naming a file whose kind cannot be told, with the fix', async () => {
    const r = await csvs(['check', 'Dockerfile', 'notes.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot tell what kind of artifact notes.txt is; name it with --kind notes.txt=KIND');
  });

  it('exits 0 when the level asked for is met', async () => {
    const r = await csvs(['check', 'Dockerfile', 'compose.yaml', '--level', 'L1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^L1: met \(6 pass\)$/m);
    expect(r.code).toBe(0);
  });

  it('exits 1 when it is not met', async () => {
    const l3 = await csvs(['check', 'Dockerfile', 'compose.yaml', '--level', 'L3']);
    expect(l3.stdout).toMatch(/^L3: not met/m);
    expect(l3.code).toBe(1);
    const risky = await csvs(['check', 'Dockerfile', 'deploy/docker-compose.yml', '--level', 'L1']);
    expect(risky.stdout).toMatch(/^L1: not met \(\d+ fail/m);
    expect(risky.code).toBe(1);
  });

  it('exits 0 without --level whatever the verdict', async () => {
    const r = await csvs(['check', 'deploy/docker-compose.yml']);
    expect(r.stdout).toMatch(/^3\.15\s+fail/m);
    expect(r.code).toBe(0);
  });

  it('speaks German with --lang de: titles, findings, remediations, levels and locations', async () => {
    const r = await csvs(['check', 'Dockerfile', 'deploy/docker-compose.yml', '--lang', 'de', '--level', 'L1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ID\s+STATUS\s+STUFEN\s+TITEL\s+BEFUND$/m);
    expect(r.stdout).toMatch(/^3\.15\s+nicht erfüllt\s+L1 L2 L3\s+Docker-Socket nicht gemountet\s+deploy\/docker-compose\.yml \[agent\] services\.agent\.volumes\[0\]: der Laufzeit-Socket \/var\/run\/docker\.sock ist beschreibbar/m);
    expect(r.stdout).toMatch(/^L1: nicht erfüllt \(\d+ nicht erfüllt/m);
    const sarif = await csvs(['check', 'Dockerfile', 'deploy/docker-compose.yml', '--format', 'sarif', '--lang', 'de']);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    const socket = log.runs[0]?.results.find((x) => x.ruleId === 'CSVS-3.15');
    expect(socket?.message.text).toMatch(/\(Container agent\)\. Abhilfe: Entfernen Sie die Einbindung des Sockets/);
    const json = await csvs(['check', 'Dockerfile', '--format', 'json', '--lang', 'de']);
    const result = JSON.parse(json.stdout) as { controls: { id: string; findings: { location: string; message: string }[] }[] };
    expect(result.controls.find((c) => c.id === '3.11')?.findings[0]).toMatchObject({ location: 'Zeile 1', message: 'keine ADD-Anweisung: alle 1 Dateiübernahmen nutzen COPY' });
    const wrong = await csvs(['check', 'Dockerfile', '--lang', 'fr']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--lang must be one of en, de');
  });

  it('prints the evaluation as JSON', async () => {
    const r = await csvs(['check', 'Dockerfile', 'deploy/docker-compose.yml', '--format', 'json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { controls: { id: string; status: string; findings: { artifact: string }[] }[]; levels: Record<string, { compliant: boolean }> };
    expect(result.controls).toHaveLength(CONTROLS.length);
    expect(result.levels.L1?.compliant).toBe(false);
    const socket = result.controls.find((c) => c.id === '3.15');
    expect(socket?.status).toBe('fail');
    expect(socket?.findings.map((f) => f.artifact)).toContain('deploy/docker-compose.yml');
  });

  it('prints SARIF whose results point at the files by relative path', async () => {
    const r = await csvs(['check', 'Dockerfile', 'deploy/docker-compose.yml', '--format', 'sarif']);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string; fullDescription: { text: string } }[] } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run?.tool.driver.rules).toHaveLength(CONTROLS.length);
    // The rules are described from the control modules, not just their titles.
    expect(run?.tool.driver.rules[0]?.fullDescription.text.length).toBeGreaterThan(20);
    const uris = run?.results.filter((x) => x.ruleId === 'CSVS-3.15').map((x) => x.locations[0]?.physicalLocation.artifactLocation.uri);
    expect(uris).toContain('deploy/docker-compose.yml');
  });

  it('writes JUnit to --output and summarises the levels on stderr', async () => {
    const r = await csvs(['check', 'Dockerfile', 'compose.yaml', '--format', 'junit', '--workload', 'shop', '--output', 'out/csvs.xml', '--level', 'L1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write out/csvs.xml');
    await mkdir(join(dir, 'out'));
    const ok = await csvs(['check', 'Dockerfile', 'compose.yaml', '--format', 'junit', '--workload', 'shop', '--output', 'out/csvs.xml', '--level', 'L1']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toContain('wrote the junit report to out/csvs.xml');
    expect(ok.stderr).toMatch(/^L1: met/m);
    const xml = await readFile(join(dir, 'out/csvs.xml'), 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuite name="CSVS V3 shop" tests="${CONTROLS.length}"`));
    expect(xml.match(/<testcase /g)).toHaveLength(CONTROLS.length);
  });

  it('reads standard input, detecting its kind or taking it from --kind=-=KIND', async () => {
    const detected = await csvs(['check', '-', '--format', 'json'], FILES.Dockerfile);
    expect(detected.code).toBe(0);
    const named = await csvs(['check', '--kind=-=compose', '-', '--format', 'json'], FILES['deploy/docker-compose.yml']);
    expect(named.code).toBe(0);
    const result = JSON.parse(named.stdout) as { controls: { id: string; status: string; findings: { artifact: string; kind: string }[] }[] };
    const socket = result.controls.find((c) => c.id === '3.15');
    expect(socket?.status).toBe('fail');
    expect(socket?.findings[0]).toMatchObject({ artifact: 'stdin', kind: 'compose' });
    const unknown = await csvs(['check', '-'], 'just some words\n');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('name it with --kind=-=KIND');
  });

  it('takes the kind from --kind over detection', async () => {
    // notes.txt is undetectable; named a Dockerfile, the reader gets it, and refuses it as the API would.
    const r = await csvs(['check', 'Dockerfile', 'notes.txt', '--kind', 'notes.txt=dockerfile', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dockerfile "notes\.txt": /);
    expect(r.stdout).toBe('');
  });

  it('refuses content its reader cannot read like the API: exit 2, no verdict, the API\'s own messages', async () => {
    const r = await csvs(['check', 'Dockerfile', 'broken.json', '--level', 'L1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // The same words as the API's 422 for the same content (both come from workers/engine/parse.ts).
    const evidence = buildEvidence([
      { kind: 'dockerfile', name: 'Dockerfile', content: FILES.Dockerfile },
      { kind: 'docker-inspect', name: 'broken.json', content: FILES['broken.json'] },
    ]);
    const api = unreadableArtifacts(evidence);
    expect(api).toEqual([{ index: 1, message: expect.stringMatching(/^docker-inspect "broken\.json": .*JSON/) }]);
    expect(r.stderr).toBe(`csvs check: ${unreadableSummary(1)}\ncsvs check: ${api[0]?.message}\n`);
  });
});
