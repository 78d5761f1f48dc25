import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Process, Source } from '../model/evidence.ts';
import { nameFromArgs, parseProcesses } from './processes.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'top.txt', kind: 'processes' };
const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/processes/${name}`, import.meta.url), 'utf8');

function processes(content: unknown): Process[] {
  return parseProcesses(content, source).processes?.[0]?.processes ?? [];
}

describe('parseProcesses: real outputs', () => {
  it('reads docker top -eo user,pid,comm,args (two COMMAND columns)', () => {
    const list = processes(fixture('docker-top-eo.txt'));
    expect(list).toHaveLength(3);
    expect(list[0]).toEqual({
      user: 'root',
      pid: 41873,
      ppid: null,
      command: 'docker-entrypoi',
      args: '/bin/sh /usr/local/bin/docker-entrypoint.sh node server.js',
      path: 'line 2',
    });
    expect(list[2]).toMatchObject({ user: 'ubuntu', command: 'node', args: '/usr/local/bin/node /app/worker.js --queue=emails' });
    expect(parseProcesses(fixture('docker-top-eo.txt'), source).processes?.[0]?.source).toEqual(source);
  });

  it('reads plain docker top (UID … CMD) and names processes from their command line', () => {
    const list = processes(fixture('docker-top-default.txt'));
    expect(list.map((p) => [p.user, p.pid, p.ppid, p.command])).toEqual([
      ['root', 52210, 52188, 'tini'],
      ['root', 52244, 52210, 'sshd'],
      ['systemd+', 52245, 52210, 'python3'],
      ['root', 60112, 52188, 'bash'],
    ]);
    expect(list[1]?.args).toBe('sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups');
    expect(list[3]?.path).toBe('line 5');
  });

  it('reads procps ps -eo with right-aligned numbers', () => {
    const list = processes(fixture('ps-eo-procps.txt'));
    expect(list[0]).toEqual({ user: 'app', pid: 1, ppid: 0, command: 'tini', args: '/usr/bin/tini -- node server.js', path: 'line 2' });
    expect(list.every((p) => p.user === 'app')).toBe(true);
  });

  it('reads busybox ps on Alpine', () => {
    const list = processes(fixture('ps-busybox-alpine.txt'));
    expect(list[0]).toMatchObject({ user: 'root', pid: 1, command: 'nginx', args: 'nginx: master process nginx -g daemon off;' });
    expect(list.filter((p) => p.user === 'nginx')).toHaveLength(2);
  });

  it('reads the top API JSON, as text or parsed', () => {
    const text = fixture('docker-top-api.json');
    const list = processes(text);
    expect(list).toEqual([
      { user: '999', pid: 41790, ppid: 41768, command: 'redis-server', args: 'redis-server *:6379', path: '/Processes/0' },
      { user: '999', pid: 43110, ppid: 41768, command: 'redis-cli', args: 'redis-cli -a hunter2 ping', path: '/Processes/1' },
    ]);
    expect(processes(JSON.parse(text))).toEqual(list);
  });
});

describe('parseProcesses: columns and defaults', () => {
  it('takes a single COMMAND column as the command line (ps aux)', () => {
    const text = [
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root           1  0.0  0.0   2480   580 ?        Ss   08:14   0:00 /usr/sbin/sshd -D -e',
      'www-data      12  0.2  1.1 204112 45012 ?        S    08:14   0:03 php-fpm: pool www',
    ].join('\n');
    expect(processes(text).map((p) => [p.user, p.command, p.args])).toEqual([
      ['root', 'sshd', '/usr/sbin/sshd -D -e'],
      ['www-data', 'php-fpm', 'php-fpm: pool www'],
    ]);
  });

  it('reads a list without a user column with empty users and a note', () => {
    const part = parseProcesses('PID COMMAND\n1 /bin/app --serve\n', source);
    expect(part.processes?.[0]?.processes).toEqual([
      { user: '', pid: 1, ppid: null, command: 'app', args: '/bin/app --serve', path: 'line 2' },
    ]);
    expect(part.notes?.[0]).toMatch(/no user column/);
  });

  it('skips blank lines, repeated headers and short rows, keeping line numbers', () => {
    const text = 'USER PID PPID COMM ARGS\r\n\r\nroot 1 0 init /sbin/init\r\nUSER PID PPID COMM ARGS\r\nroot 2\r\napp 9 1 node node a.js\r\n';
    const part = parseProcesses(text, source);
    expect(part.processes?.[0]?.processes.map((p) => [p.path, p.command])).toEqual([['line 3', 'init'], ['line 6', 'node']]);
    expect(part.notes?.[0]).toMatch(/skipped 1 row\(s\) with too few columns: line 5/);
  });

  it.each([
    ['/usr/sbin/sshd -D', 'sshd'],
    ['sshd: root@pts/0', 'sshd'],
    ['[kworker/0:1-events]', 'kworker/0:1-events'],
    ['-bash', 'bash'],
    ['xrdp-sesman --nodaemon', 'xrdp-sesman'],
    ['', ''],
  ])('names %j %j', (args, name) => {
    expect(nameFromArgs(args)).toBe(name);
  });
});

describe('parseProcesses: hostile and wrong input', () => {
  it.each([
    ['empty text', '  \n\n', /empty/],
    ['an error from docker', 'Error response from daemon: container 3f4e8a1c9b2d is not running\n', /no process list header/],
    ['JSON without Titles', '{"Processes":[]}', /Titles and Processes/],
    ['broken JSON', '{"Titles":[', /not valid/],
    ['objects nested 100,000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), /Titles and Processes/],
    ['a parsed array', [['root', '1', 'sh']], /must be text/],
    ['JSON titles without a command', { Titles: ['UID', 'PID'], Processes: [['0', '1']] }, /no process list header/],
  ])('refuses %s with an ArtifactError', (_label, content, message) => {
    expect(() => parseProcesses(content, source)).toThrow(ArtifactError);
    expect(() => parseProcesses(content, source)).toThrow(message);
  });

  it('survives wrong types, __proto__ keys and NUL bytes in the JSON form', () => {
    const text =
      '{"__proto__":{"Titles":["X"]},"Titles":["USER",5,"PID","CMD"],' +
      '"Processes":[["root",null,"1","sshd\\u0000 -D"],"junk",[{"x":1}],["app","x","y","node\\u0000"]]}';
    const part = parseProcesses(text, source);
    expect(part.processes?.[0]?.processes).toEqual([
      { user: 'root', pid: 1, ppid: null, command: 'sshd\u0000', args: 'sshd\u0000 -D', path: '/Processes/0' },
      { user: 'app', pid: null, ppid: null, command: 'node\u0000', args: 'node\u0000', path: '/Processes/3' },
    ]);
    expect(part.notes?.join(' ')).toMatch(/\/Processes\/1, \/Processes\/2/);
  });

  it('reads a 1 MB command line and 100,000 rows in linear time', () => {
    const long = 'USER PID COMMAND\nroot 1 ' + 'a '.repeat(500_000) + '\n';
    expect(processes(long)[0]?.args.length).toBeGreaterThan(900_000);
    const many = 'USER PID COMM ARGS\n' + 'app 7 node node server.js\n'.repeat(100_000);
    const start = process.cpuUsage(); // CPU time: robust on shared cores
    expect(processes(many)).toHaveLength(100_000);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
  });
});

describe('parseProcesses: which container', () => {
  const listOf = (artifact: string) => parseProcesses(fixture('docker-top-eo.txt'), { artifact, kind: 'processes' }).processes?.[0]?.container;

  it('takes the container from an artifact named `top NAME` (the agent) or `docker top NAME`', () => {
    expect(listOf('top shop-web-1')).toBe('shop-web-1');
    expect(listOf('docker top /web')).toBe('web');
    expect(listOf('docker  top  api.v2_blue')).toBe('api.v2_blue');
  });

  it('says nothing for any other name', () => {
    expect(listOf('top.txt')).toBeNull();
    expect(listOf('processes')).toBeNull();
    expect(listOf('top web extra')).toBeNull();
    expect(listOf('top ../etc')).toBeNull();
  });
});
