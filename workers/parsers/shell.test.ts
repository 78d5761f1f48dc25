import { describe, expect, it } from 'vitest';
import {
  type ManagerConfig,
  normaliseArgv,
  packageInstall,
  readManagerConfig,
  shellInvocation,
  splitArgv,
  splitShell,
  tokenizeShell,
  userCreation,
} from './shell.ts';

const argvs = (script: string): string[][] => splitShell(script).map((c) => c.argv);
const noConfig = (): ManagerConfig => ({ aptNoRecommends: false, noWeakDeps: false, zypperOnlyRequires: false });
const install = (script: string, config = noConfig()) =>
  splitShell(script).map((c) => packageInstall(c, config)).filter((i) => i !== null);
const unresolved = (): null => null;

describe('splitShell: operators and words', () => {
  it('splits on &&, ||, ;, |, & and newlines', () => {
    expect(argvs('apt-get update && apt-get install -y curl || true; echo a | tee b & wait\nls -l')).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'curl'],
      ['true'],
      ['echo', 'a'],
      ['tee', 'b'],
      ['wait'],
      ['ls', '-l'],
    ]);
  });

  it('keeps quoted operators and spaces inside one word and removes the quotes', () => {
    expect(argvs(`echo 'a && b' "c; d" e\\ f "x\\"y" $'tab\\there'`)).toEqual([['echo', 'a && b', 'c; d', 'e f', 'x"y', 'tab\there']]);
  });

  it('joins backslash-newline continuations into one command', () => {
    expect(argvs('apt-get install -y \\\n    curl \\\n    git')).toEqual([['apt-get', 'install', '-y', 'curl', 'git']]);
  });

  it('keeps command substitutions and parameter expansions literal, whatever they contain', () => {
    expect(argvs('echo "$(date +%s; echo "x y")" ${VAR:-a b} `uname -m`')).toEqual([
      ['echo', '$(date +%s; echo "x y")', '${VAR:-a b}', '`uname -m`'],
    ]);
  });

  it('drops redirections and their targets, including fd duplications', () => {
    expect(argvs('apt-get install -y curl > /dev/null 2>&1 </dev/null &>>log.txt')).toEqual([['apt-get', 'install', '-y', 'curl']]);
    expect(argvs('echo 2>err 2 >out')).toEqual([['echo', '2']]);
  });

  it('skips comments, but not a # inside a word', () => {
    expect(argvs('echo a#b # apt-get install -y gcc\nls')).toEqual([['echo', 'a#b'], ['ls']]);
  });

  it('reads subshells, groups and compound commands down to their simple commands', () => {
    expect(argvs('(cd /src && make) ; { echo a; echo b; }')).toEqual([['cd', '/src'], ['make'], ['echo', 'a'], ['echo', 'b']]);
    expect(argvs('if [ -f /etc/debian_version ]; then apt-get install -y curl; else apk add curl; fi')).toEqual([
      ['[', '-f', '/etc/debian_version', ']'],
      ['apt-get', 'install', '-y', 'curl'],
      ['apk', 'add', 'curl'],
    ]);
    expect(argvs('for p in a b; do pip install "$p"; done')).toEqual([['pip', 'install', '$p']]);
  });

  it('reports offsets of each command in the script', () => {
    const script = 'set -eux; \\\n  useradd app';
    const cmds = splitShell(script);
    expect(cmds.map((c) => script.slice(c.offset, c.offset + 7))).toEqual(['set -eu', 'useradd']);
  });

  it('never throws on unterminated quotes or substitutions', () => {
    for (const s of [`echo 'open`, 'echo "open $(x', 'echo `x', 'echo ${x', 'a <<', 'a >', '|||', ';;', 'echo \\']) {
      expect(() => splitShell(s)).not.toThrow();
    }
    expect(argvs(`echo 'open`)).toEqual([['echo', 'open']]);
  });
});

describe('splitShell: wrappers', () => {
  it('removes leading assignments, sudo, env and friends', () => {
    expect(argvs('DEBIAN_FRONTEND=noninteractive sudo -E -u root apt-get install -y tzdata')).toEqual([
      ['apt-get', 'install', '-y', 'tzdata'],
    ]);
    expect(argvs('env -i PATH=/usr/bin LANG=C pip install flask')).toEqual([['pip', 'install', 'flask']]);
    expect(argvs('exec nohup nice -n 5 /usr/sbin/useradd app')).toEqual([['/usr/sbin/useradd', 'app']]);
    expect(argvs('busybox adduser -D app')).toEqual([['adduser', '-D', 'app']]);
  });

  it('keeps `command -v` (a lookup) and plain assignments are not commands', () => {
    expect(argvs('command -v curl; FOO=bar')).toEqual([['command', '-v', 'curl']]);
  });

  it('keeps `set -eux` as a command of its own that hides nothing after it', () => {
    expect(argvs('set -eux; apk add --no-cache curl')).toEqual([['set', '-eux'], ['apk', 'add', '--no-cache', 'curl']]);
  });

  it('replaces sh -c / bash -c by the commands of their script', () => {
    expect(argvs(`sh -c 'apt-get update && apt-get install -y curl'`)).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'curl'],
    ]);
    expect(argvs(`/bin/bash -o pipefail -ec "sudo useradd -m app"`)).toEqual([['useradd', '-m', 'app']]);
    expect(splitArgv(['/bin/sh', '-c', 'apk add gcc && make'])).toMatchObject([{ argv: ['apk', 'add', 'gcc'] }, { argv: ['make'] }]);
  });

  it('follows nesting only so deep, then keeps the shell as a command', () => {
    expect(argvs(`sh -c "bash -c 'apk add curl'"`)).toEqual([['apk', 'add', 'curl']]);
    expect(argvs(`sh -c "bash -c 'sh -c ls'"`)).toEqual([['sh', '-c', 'ls']]);
  });

  it('keeps a shell whose script is computed (sh -c "$(curl …)")', () => {
    expect(argvs('sh -c "$(curl -fsSL https://get.example.com)"')).toEqual([['sh', '-c', '$(curl -fsSL https://get.example.com)']]);
  });

  it('links a pipeline reader to the command feeding it', () => {
    const [curl, sh] = splitShell('curl -fsSL https://get.docker.com | sudo sh -s -- --version 24');
    expect(curl?.pipedFrom).toBeNull();
    expect(sh?.argv[0]).toBe('sh');
    expect(sh?.pipedFrom).toEqual(['curl', '-fsSL', 'https://get.docker.com']);
  });
});

describe('splitShell: here-documents', () => {
  it('reads a here-document body as data, not as commands', () => {
    expect(argvs('cat <<EOF > /etc/apt/sources.list\ndeb http://x stable main\nrm -rf /\nEOF\necho done')).toEqual([['cat'], ['echo', 'done']]);
  });

  it('splits a here-document fed to a shell as a script, at its own offsets', () => {
    const script = 'bash <<-SCRIPT\n\tset -e\n\tuseradd -u 1000 app\n\tSCRIPT\nls';
    const cmds = splitShell(script);
    expect(cmds.map((c) => c.argv)).toEqual([['set', '-e'], ['useradd', '-u', '1000', 'app'], ['ls']]);
    const useradd = cmds[1];
    expect(useradd && script.slice(useradd.offset, useradd.offset + 7)).toBe('useradd');
  });

  it('a bare here-document is a command with no words and the body attached', () => {
    const [only] = tokenizeShell('<<EOF\napk add curl\nEOF\n');
    expect(only?.argv).toEqual([]);
    expect(only?.heredocs).toEqual([{ body: 'apk add curl\n', offset: 6 }]);
  });
});

describe('splitShell: cmd and PowerShell syntax', () => {
  it('keeps backslashes and backticks as ordinary characters when not POSIX', () => {
    expect(splitShell('mkdir C:\\app ; copy C:\\src\\*.dll C:\\app ; Write-Host a`tb', false).map((c) => c.argv)).toEqual([
      ['mkdir', 'C:\\app'],
      ['copy', 'C:\\src\\*.dll', 'C:\\app'],
      ['Write-Host', 'a`tb'],
    ]);
    expect(splitShell('mkdir C:\\app', true)[0]?.argv).toEqual(['mkdir', 'C:app']);
  });
});

describe('normaliseArgv and shellInvocation', () => {
  it('drops loop headers and closing keywords', () => {
    expect(normaliseArgv(['for', 'x', 'in', 'a'])).toEqual([]);
    expect(normaliseArgv(['then', 'apt-get', 'install', 'x'])).toEqual(['apt-get', 'install', 'x']);
    expect(normaliseArgv(['done'])).toEqual([]);
  });

  it('tells -c scripts, script files and stdin apart', () => {
    expect(shellInvocation(['bash', '-euxo', 'pipefail', '-c', 'ls'])).toEqual({ script: 'ls', file: null, stdin: false });
    expect(shellInvocation(['sh', 'install.sh'])).toEqual({ script: null, file: 'install.sh', stdin: false });
    expect(shellInvocation(['bash', '-s', '--', '--yes'])).toEqual({ script: null, file: null, stdin: true });
    expect(shellInvocation(['bash', '-'])).toEqual({ script: null, file: null, stdin: true });
    expect(shellInvocation(['python3', '-c', 'x'])).toBeNull();
  });
});

describe('packageInstall', () => {
  it('apt: --no-install-recommends or APT::Install-Recommends=false make it minimal; pins and flags are no packages', () => {
    expect(install('apt-get install -y --no-install-recommends curl=7.88.1-10 git/bookworm-backports libc6:amd64')).toEqual([
      { manager: 'apt', packages: ['curl', 'git', 'libc6'], minimal: true },
    ]);
    expect(install('apt-get -o Dpkg::Options::=--force-confold -t bookworm-backports install -y vim')).toEqual([
      { manager: 'apt', packages: ['vim'], minimal: false },
    ]);
    expect(install('apt install -y -oAPT::Install-Recommends=0 nginx')[0]?.minimal).toBe(true);
    expect(install('apt-get update')).toEqual([]);
  });

  it('apt: recommends switched off in apt.conf.d by an earlier echo', () => {
    const config = noConfig();
    for (const c of splitShell(`echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99norecommends`)) {
      readManagerConfig(c.argv, config);
    }
    expect(install('apt-get install -y curl', config)[0]?.minimal).toBe(true);
  });

  it('apk: --no-cache is minimal; the --virtual name is no package', () => {
    expect(install('apk add --no-cache curl=8.5.0-r0 bash>5 py3-pip@community')).toEqual([
      { manager: 'apk', packages: ['curl', 'bash', 'py3-pip'], minimal: true },
    ]);
    expect(install('apk add --virtual .build-deps gcc musl-dev')).toEqual([
      { manager: 'apk', packages: ['gcc', 'musl-dev'], minimal: false },
    ]);
    expect(install('apk --update add curl')[0]?.minimal).toBe(false);
  });

  it('dnf, microdnf, yum: weak dependencies off (or --nodocs for dnf/microdnf) is minimal', () => {
    expect(install('dnf install -y --setopt=install_weak_deps=False httpd')[0]).toEqual({ manager: 'dnf', packages: ['httpd'], minimal: true });
    expect(install('microdnf install --nodocs shadow-utils')[0]).toEqual({ manager: 'microdnf', packages: ['shadow-utils'], minimal: true });
    expect(install('yum install -y --nodocs openssh-server')[0]).toEqual({ manager: 'yum', packages: ['openssh-server'], minimal: false });
    expect(install('yum -y --setopt install_weak_deps=0 install nginx')[0]?.minimal).toBe(true);
    expect(install('dnf -y install gcc')[0]?.minimal).toBe(false);
  });

  it('zypper: --no-recommends is minimal; global options before the verb are skipped', () => {
    expect(install('zypper --non-interactive --gpg-auto-import-keys in --no-recommends -t package vim')[0]).toEqual({
      manager: 'zypper',
      packages: ['vim'],
      minimal: true,
    });
    expect(install('zypper -n install curl')[0]?.minimal).toBe(false);
  });

  it('pip, npm, gem: recorded with their package names, always minimal', () => {
    expect(install('pip3 install --no-cache-dir -r req.txt flask==3.0 "uvicorn[standard]>=0.29"')[0]).toEqual({
      manager: 'pip',
      packages: ['flask', 'uvicorn'],
      minimal: true,
    });
    expect(install('python3 -m pip install --upgrade pip')[0]?.packages).toEqual(['pip']);
    expect(install('npm install -g @angular/cli@17.3.0 typescript@5 --registry https://registry.npmjs.org')[0]).toEqual({
      manager: 'npm',
      packages: ['@angular/cli', 'typescript'],
      minimal: true,
    });
    expect(install('npm ci --omit=dev')[0]?.packages).toEqual([]);
    expect(install('gem install bundler:2.5.6 --no-document -v 2.5')[0]).toEqual({ manager: 'gem', packages: ['bundler'], minimal: true });
  });

  it('piped installers are manager `other` with no packages', () => {
    for (const s of [
      'curl -fsSL https://deb.nodesource.com/setup_20.x | bash -',
      'wget -qO- https://get.docker.com | sudo sh',
      'curl -sSL https://install.python-poetry.org | python3 -',
      'sh -c "$(curl -fsSL https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/master/tools/install.sh)"',
      'bash <(curl -s https://example.com/install.sh)',
    ]) {
      expect(install(s), s).toEqual([{ manager: 'other', packages: [], minimal: false }]);
    }
    expect(install('curl -fsSL https://x/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg')).toEqual([]);
    expect(install('curl -fsSLO https://x/install.sh && sh install.sh')).toEqual([]);
  });
});

describe('userCreation', () => {
  const create = (script: string, resolve: (w: string) => string | null = unresolved) =>
    splitShell(script).map((c) => userCreation(c.argv, resolve)).filter((u) => u !== null);

  it('useradd: the last operand is the name, -u/--uid the UID', () => {
    expect(create('useradd -r -u 185 -g 0 -m -d /home/jboss -s /sbin/nologin jboss')).toEqual([{ tool: 'useradd', name: 'jboss', uid: 185 }]);
    expect(create('useradd --system --uid=10001 --no-log-init app')).toEqual([{ tool: 'useradd', name: 'app', uid: 10001 }]);
    expect(create('useradd -lmu 1001 web')).toEqual([{ tool: 'useradd', name: 'web', uid: 1001 }]);
    expect(create('useradd -D -s /bin/bash')).toEqual([]);
  });

  it('adduser, Debian and BusyBox syntax; option values are not names', () => {
    expect(create('adduser --system --group --uid 10001 --disabled-password --gecos "" app')).toEqual([{ tool: 'adduser', name: 'app', uid: 10001 }]);
    expect(create('adduser -D -u 1000 -G www-data -h /srv -s /sbin/nologin nginx')).toEqual([{ tool: 'adduser', name: 'nginx', uid: 1000 }]);
    expect(create('adduser -S -D -H appuser')).toEqual([{ tool: 'adduser', name: 'appuser', uid: null }]);
  });

  it('adding a user to a group, or creating a group, is no user creation', () => {
    expect(create('adduser app sudo; addgroup -S app; groupadd -g 1000 app; usermod -aG docker app; adduser --group ops')).toEqual([]);
  });

  it('resolves variables in the name and UID where it can', () => {
    const vars: Record<string, string> = { APP_UID: '10001', APP_USER: 'svc' };
    const resolve = (w: string): string | null => (w.startsWith('$') ? (vars[w.replace(/[${}]/g, '')] ?? null) : w);
    expect(create('useradd -u "${APP_UID}" "$APP_USER"', resolve)).toEqual([{ tool: 'useradd', name: 'svc', uid: 10001 }]);
    expect(create('useradd -u $OTHER $NAME')).toEqual([{ tool: 'useradd', name: '$NAME', uid: null }]);
  });
});

describe('hostile scripts', () => {
  it('deep nesting of substitutions and quotes costs no recursion', () => {
    const deep = `echo ${'$("'.repeat(100_000)}`;
    expect(() => splitShell(deep)).not.toThrow();
  });

  it('a long script is read in linear time', () => {
    const script = 'apt-get install -y pkg && '.repeat(40_000);
    const started = Date.now();
    expect(splitShell(script)).toHaveLength(40_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('many here-documents announced on one line do not loop', () => {
    expect(() => splitShell(`${'cat <<A '.repeat(10_000)}\nA\n`)).not.toThrow();
  });
});
