/**
 * The installable CLI: `npm run pack:cli` gives a tarball that runs `csvs check|collect|agent`
 * from a folder outside the checkout, installed by npx without the network (it has no
 * dependencies), on the oldest Node it supports where this machine has one (Debian's Node 20 in
 * /usr/bin), else on the Node running the tests.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliPackage } from '../cli/build-package.ts';

const run = promisify(execFile);
let work = '';
let tarball = '';
let elsewhere = '';
/** Debian's Node (20 here) first on PATH when there is one: npx, and the CLI, run on it. */
const systemNode = existsSync('/usr/bin/node') && existsSync('/usr/bin/npx');
const env = { ...process.env, PATH: systemNode ? '/usr/bin:/bin' : `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csvs-cli-package-'));
  const { outDir, name, version } = await buildCliPackage(join(work, 'package'));
  await run('npm', ['pack', outDir, '--pack-destination', work], { env: process.env });
  tarball = join(work, `${name}-${version}.tgz`);
  elsewhere = join(work, 'some-project');
  await mkdir(elsewhere);
  await copyFile(new URL('fixtures/dockerfile/node-multistage.Dockerfile', import.meta.url), join(elsewhere, 'Dockerfile'));
}, 120_000);
afterAll(async () => rm(work, { recursive: true, force: true }));

const csvs = (...args: string[]) =>
  run('npx', ['--yes', '--offline', '--package', tarball, 'csvs', ...args], { cwd: elsewhere, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('the packed CLI, outside the checkout', () => {
  it('has no dependencies and only its bin, package.json and README', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['package/README.md', 'package/bin/csvs.mjs', 'package/package.json']);
    const { stdout: manifest } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const pkg = JSON.parse(manifest) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.engines).toEqual({ node: '>=20' });
  });

  it(`runs csvs check on ${systemNode ? 'the system Node' : 'this Node'}: the report, and exit 1 when the level is not met`, async () => {
    const node = await run('node', ['--version'], { env });
    console.log(`[cli-package] node ${node.stdout.trim()}`);
    const version = await csvs('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^csvs \d+\.\d+\.\d+ \(rules /);
    const checked = await csvs('check', 'Dockerfile', '--level', 'L1', '--format', 'json');
    expect(checked.code, checked.stderr).toBe(1);
    const report = JSON.parse(checked.stdout) as { controls: { id: string }[] };
    expect(report.controls).toHaveLength(15);
  }, 120_000);

  it.each(['collect', 'agent'])('runs csvs %s --help', async (command) => {
    const res = await csvs(command, '--help');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`csvs ${command}`);
  }, 60_000);
});
