import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PackageInventory, Source } from '../model/evidence.ts';
import { parsePackages } from './packages.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'packages.txt', kind: 'packages' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/packages/${name}`, import.meta.url), 'utf8');

function inventory(content: unknown): PackageInventory {
  const inv = parsePackages(content, source).packages?.[0];
  if (!inv) throw new Error('no inventory');
  return inv;
}
const names = (inv: PackageInventory): string[] => inv.packages.map((p) => p.name);
const find = (inv: PackageInventory, name: string) => inv.packages.find((p) => p.name === name);

describe('parsePackages: real outputs', () => {
  it('reads dpkg-query -W (name TAB version), dropping the multiarch suffix', () => {
    const inv = inventory(fixture('dpkg-query-W-bookworm.txt'));
    expect(inv.format).toBe('dpkg');
    expect(inv.packages).toHaveLength(43);
    expect(find(inv, 'openssh-server')).toEqual({ name: 'openssh-server', version: '1:9.2p1-2+deb12u3', path: 'line 34' });
    expect(find(inv, 'libc6')?.version).toBe('2.36-9+deb12u9');
    expect(names(inv)).not.toContain('libc6:amd64');
    expect(inv.source).toEqual(source);
  });

  it('reads dpkg -l, skipping the header and packages that are not installed', () => {
    const inv = inventory(fixture('dpkg-l-jammy.txt'));
    expect(inv.format).toBe('dpkg');
    expect(names(inv)).toEqual([
      'adduser', 'apt', 'base-files', 'bash', 'build-essential', 'ca-certificates', 'coreutils', 'gcc', 'libc6', 'make', 'python3', 'tcpdump',
    ]);
    expect(find(inv, 'gcc')).toEqual({ name: 'gcc', version: '4:11.2.0-1ubuntu1', path: 'line 13' });
  });

  it('reads dpkg -l rows without the header (dpkg -l | grep ^ii)', () => {
    const rows = fixture('dpkg-l-jammy.txt').split('\n').filter((l) => l.startsWith('ii')).join('\n');
    expect(inventory(rows).packages).toHaveLength(11);
  });

  it('reads apk info -v, skipping apk warnings', () => {
    const inv = inventory(fixture('apk-info-v-alpine319.txt'));
    expect(inv.format).toBe('apk');
    expect(inv.packages).toHaveLength(19);
    expect(inv.packages[0]).toEqual({ name: 'alpine-baselayout', version: '3.4.3-r2', path: 'line 2' });
    expect(find(inv, 'musl')?.version).toBe('1.2.4_git20230717-r4');
    expect(find(inv, 'openssh-server-pam')?.version).toBe('9.6_p1-r1');
    expect(find(inv, 'libcrypto3')?.version).toBe('3.1.7-r1');
    expect(names(inv)).toContain('dropbear');
  });

  it('reads apk list --installed', () => {
    const inv = inventory(fixture('apk-list-installed.txt'));
    expect(inv.format).toBe('apk');
    expect(find(inv, 'nmap')).toEqual({ name: 'nmap', version: '7.95-r0', path: 'line 5' });
    expect(find(inv, 'python3')?.version).toBe('3.12.7-r0');
  });

  it('reads rpm -qa, splitting name-version-release.arch', () => {
    const inv = inventory(fixture('rpm-qa-ubi9.txt'));
    expect(inv.format).toBe('rpm');
    expect(find(inv, 'openssl-libs')).toEqual({ name: 'openssl-libs', version: '3.2.2-6.el9_5', path: 'line 10' });
    expect(find(inv, 'glibc-minimal-langpack')?.version).toBe('2.34-125.el9_5.1');
    expect(find(inv, 'tzdata')?.version).toBe('2024b-2.el9');
    expect(find(inv, 'gpg-pubkey')?.version).toBe('fd431d51-4ae0493b');
    expect(names(inv)).toContain('xrdp');
  });

  it('reads a plain list of names, skipping comments', () => {
    const inv = inventory(fixture('names-only.txt'));
    expect(inv.format).toBe('list');
    expect(inv.packages).toEqual([
      { name: 'musl', version: null, path: 'line 2' },
      { name: 'busybox', version: null, path: 'line 3' },
      { name: 'alpine-baselayout', version: null, path: 'line 4' },
      { name: 'libcrypto3', version: null, path: 'line 5' },
      { name: 'openssh-server', version: null, path: 'line 6' },
    ]);
  });
});

describe('parsePackages: other shapes', () => {
  it("reads dpkg-query -f '${Package} ${Version}\\n'", () => {
    const inv = inventory('bash 5.2.15-2+b7\ncurl 7.88.1-10+deb12u8\r\ntelnetd 0.17-44\n');
    expect(inv.format).toBe('dpkg');
    expect(inv.packages.map((p) => [p.name, p.version])).toEqual([
      ['bash', '5.2.15-2+b7'], ['curl', '7.88.1-10+deb12u8'], ['telnetd', '0.17-44'],
    ]);
  });

  it('reads apt list --installed', () => {
    const text = 'Listing... Done\nopenssl/stable-security,now 3.0.15-1~deb12u1 amd64 [installed]\nxrdp/stable,now 0.9.21.1-1 amd64 [installed,automatic]\n';
    const inv = inventory(text);
    expect(inv.packages).toEqual([
      { name: 'openssl', version: '3.0.15-1~deb12u1', path: 'line 2' },
      { name: 'xrdp', version: '0.9.21.1-1', path: 'line 3' },
    ]);
  });

  it('keeps an empty dpkg-query version as null', () => {
    expect(inventory('bash\t5.2\nlibfoo\t\n').packages[1]).toEqual({ name: 'libfoo', version: null, path: 'line 2' });
  });

  it('keeps an apk line that does not split as a bare name', () => {
    const inv = inventory('musl-1.2.4-r2\nbusybox-1.36.1-r20\nweird-name\n');
    expect(inv.format).toBe('apk');
    expect(inv.packages[2]).toEqual({ name: 'weird-name', version: null, path: 'line 3' });
  });
});

describe('parsePackages: hostile and wrong input', () => {
  it.each([
    ['empty text', '\n \n# nothing\n', /empty/],
    ['parsed JSON', ['bash'], /must be given as text/],
  ])('refuses %s with an ArtifactError', (_label, content, message) => {
    expect(() => parsePackages(content, source)).toThrow(ArtifactError);
    expect(() => parsePackages(content, source)).toThrow(message);
  });

  it('reads a dpkg -l with nothing installed as an empty inventory, noted', () => {
    const part = parsePackages('||/ Name Version Architecture Description\nrc  openssh-server 1:9.2p1-2 amd64 ssh server\n', source);
    expect(part.packages?.[0]?.packages).toEqual([]);
    expect(part.notes?.[0]).toMatch(/no installed packages/);
  });

  it('keeps __proto__ and constructor as plain data', () => {
    const inv = inventory('__proto__\nopenssh-server\nconstructor\n');
    expect(names(inv)).toEqual(['__proto__', 'openssh-server', 'constructor']);
    expect(({} as Record<string, unknown>).openssh).toBeUndefined();
  });

  // A skipped line could be the very package that fails 3.8 or 3.12, so a list with one name
  // that no package manager would print is no evidence at all.
  it.each([
    ['a NUL byte in the name of one of two lines', 'bash\nopenssh-server\u0000\n', /"openssh-server\\u0000" is not a package name/, 'line 2'],
    ['binary garbage', '\u0000\u0001\u0002\n\u00ff\u00fe', /is not a package name/, 'line 1'],
    ['deeply nested JSON text', '['.repeat(100_000) + ']'.repeat(100_000), /"\[{40}" is not a package name/, 'line 1'],
    ['a JSON object', '{"packages": ["bash"]}', /is not a package name/, 'line 1'],
  ])('refuses %s as not a package list', (_label, text, message, location) => {
    expect(() => parsePackages(text, source)).toThrow(message);
    try {
      parsePackages(text, source);
    } catch (e) {
      expect(e).toBeInstanceOf(ArtifactError);
      expect((e as ArtifactError).location).toBe(location);
    }
  });

  // No timed assertion (project rule): a quadratic step here would run into vitest's per-test timeout.
  it('splits long and many lines', () => {
    const hostile = ['a-'.repeat(200_000) + 'r1', 'b'.repeat(400_000) + '-1-r1', 'x-1-' + '.'.repeat(400_000) + 'x86_64'].join('\n');
    expect(inventory(hostile).packages).toHaveLength(3);
    expect(() => parsePackages('bash\n' + ' {'.repeat(200_000), source)).toThrow(/not a package name/);
    expect(() => parsePackages('bash\n' + '-'.repeat(400_000), source)).toThrow(/not a package name/);
    const many = 'musl-1.2.4-r2\n'.repeat(200_000);
    expect(inventory(many).packages).toHaveLength(200_000);
  });
});

describe('parsePackages: syft table and unreadable lines', () => {
  it('reads syft\'s table (NAME VERSION TYPE), language packages with their own name grammar', () => {
    const inv = inventory(fixture('syft-table-shop-web.txt'));
    expect(inv.format).toBe('syft-table');
    expect(inv.unreadable).toBeUndefined();
    expect(inv.packages).toHaveLength(22);
    expect(inv.packages.find((p) => p.name === 'xrdp')).toEqual({ name: 'xrdp', version: '0.9.21.1-1', type: 'deb', path: 'line 22' });
    expect(inv.packages.find((p) => p.name === '@isaacs/cliui')).toMatchObject({ type: 'npm', path: 'line 2' });
    expect(inv.packages.find((p) => p.name === 'github.com/docker/cli')).toMatchObject({ version: 'v27.4.1+incompatible', type: 'go-module' });
  });

  it('reads a syft row whose version is empty, and skips syft\'s own log lines', () => {
    const inv = inventory([
      '[0002]  WARN no explicit name and version provided for directory source',
      'NAME           VERSION   TYPE',
      'libfoo                   deb',
      'bash           5.2.15    deb',
    ].join('\n'));
    expect(inv.packages).toEqual([
      { name: 'libfoo', version: null, type: 'deb', path: 'line 3' },
      { name: 'bash', version: '5.2.15', type: 'deb', path: 'line 4' },
    ]);
  });

  it('keeps one line that cannot be read as unreadable, not the rejection of the list', () => {
    const text = fixture('syft-table-shop-web.txt').replace('coreutils ', 'core\u0000utils ');
    const part = parsePackages(text, source);
    const inv = part.packages?.[0];
    // Cut to 40 characters: enough to recognise the line, never a whole hostile line.
    expect(inv?.unreadable).toEqual([{ path: 'line 9', text: `core\u0000utils${' '.repeat(28)}9.` }]);
    expect(inv?.packages.map((p) => p.name)).toContain('xrdp');
    expect(part.notes?.join(' ')).toMatch(/1 line\(s\) could not be read as a package \(first: line 9\)/);
  });
});

describe('parsePackages: one bad line among many', () => {
  it('reads a dpkg-query list with one NUL-damaged line, keeping that line as unreadable', () => {
    const inv = inventory('bash\t5.2\nopenssh-server\u0000\t1:9.2p1\ncurl\t7.88\n');
    expect(inv.packages.map((p) => p.name)).toEqual(['bash', 'curl']);
    expect(inv.unreadable).toEqual([{ path: 'line 2', text: 'openssh-server\u0000\t1:9.2p1' }]);
  });
});
