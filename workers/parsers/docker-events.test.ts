import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ContainerEvent, Source } from '../model/evidence.ts';
import { parseDockerEvents } from './docker-events.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'events.jsonl', kind: 'docker-events' };
const log = readFileSync(new URL('../../test/fixtures/docker-events/exec-24h.jsonl', import.meta.url), 'utf8');
const WEB = '3f4e8a1c9b2d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f';

function events(content: unknown): ContainerEvent[] {
  return parseDockerEvents(content, source).events?.[0]?.events ?? [];
}

describe('parseDockerEvents: a day of docker events', () => {
  const part = parseDockerEvents(log, source);
  const list = part.events?.[0]?.events ?? [];

  it('keeps container events only, in order, with the action before the colon', () => {
    expect(list.map((e) => e.action)).toEqual([
      'exec_create', 'exec_start', 'exec_die', 'exec_create', 'exec_start', 'kill', 'die', 'destroy', 'create', 'start',
    ]);
    expect(part.notes).toContain('ignored 1 event(s) that are not about containers');
    expect(part.events?.[0]?.source).toEqual(source);
  });

  it('reads id, name, command, millisecond time and line of an exec_start (old and new field sets)', () => {
    expect(list[1]).toEqual({
      action: 'exec_start',
      command: 'sh -c cat /app/config/settings.json',
      containerId: WEB,
      containerName: 'web-1',
      execId: 'a01b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
      // timeNano 1741682100131998204: rounded to the nearest ms, not cut down to …131.
      time: 1741682100132,
      path: 'line 2',
    });
    expect(list[4]).toMatchObject({ action: 'exec_start', command: 'bash', containerName: 'worker-1', time: 1741685000017, path: 'line 5' });
  });

  it('keeps the session id (execID) of exec events only, so one docker exec is one session', () => {
    expect(list.map((e) => e.execId ?? null)).toEqual([
      list[0]?.execId, list[0]?.execId, list[0]?.execId, list[3]?.execId, list[3]?.execId, null, null, null, null, null,
    ]);
    expect(list[0]?.execId).toMatch(/^[0-9a-f]{64}$/);
    expect(list[3]?.execId).not.toBe(list[0]?.execId);
  });

  it('gives exec_create its command too, and no command to exec_die or non-exec events', () => {
    expect(list.map((e) => e.command)).toEqual([
      'sh -c cat /app/config/settings.json', 'sh -c cat /app/config/settings.json', null, 'bash', 'bash',
      null, null, null, null, null,
    ]);
  });

  it('accepts a JSON array with pointer paths', () => {
    const array = log.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const fromText = events(JSON.stringify(array));
    const fromParsed = events(array);
    expect(fromParsed).toEqual(fromText);
    expect(fromText[1]).toMatchObject({ action: 'exec_start', containerId: WEB, path: '/1' });
    expect(fromText).toHaveLength(10);
  });
});

describe('parseDockerEvents: variants and defaults', () => {
  it('reads the pre-Type format of old daemons and falls back from timeNano to time', () => {
    const [e] = events('{"status":"exec_start: /bin/sh","id":"abc123","from":"alpine:3.19","time":1700000000}\n');
    expect(e).toEqual({ action: 'exec_start', command: '/bin/sh', containerId: 'abc123', containerName: null, time: 1700000000000, path: 'line 1' });
  });

  it('trims the exec command and keeps what follows later colons; an exec without one has none', () => {
    const line = (action: string): string => JSON.stringify({ Type: 'container', Action: action, Actor: { ID: 'c1' }, time: 1 });
    const list = events([
      line('exec_start:   /bin/sh -c  "echo a:b"  '),
      line('exec_create: '),
      line('exec_start'),
      line('health_status: healthy'),
    ].join('\n'));
    expect(list.map((e) => [e.action, e.command])).toEqual([
      ['exec_start', '/bin/sh -c  "echo a:b"'],
      ['exec_create', null],
      ['exec_start', null],
      ['health_status', null],
    ]);
  });

  it('rounds timeNano to the nearest millisecond, up and down', () => {
    const at = (nano: string): number | undefined =>
      events(`{"Type":"container","Action":"start","Actor":{"ID":"c1"},"time":1748854800,"timeNano":${nano}}`)[0]?.time;
    expect(at('1748854800187000000')).toBe(1748854800187);
    expect(at('1748854800187499000')).toBe(1748854800187);
    expect(at('1748854800187600000')).toBe(1748854800188);
    expect(at('"1748854800999900000"')).toBe(1748854801000);
  });

  it('treats a time no date can hold as no time, so the event is skipped rather than breaking 3.10', () => {
    const line = (fields: string) => `{"Type":"container","Action":"exec_start: sh","Actor":{"ID":"c1"},${fields}}`;
    const text = [line('"time":8640000000000000000000'), line('"timeNano":8.640000000000001e+30'), line('"time":1748854800')].join('\n');
    expect(events(text).map((e) => e.time)).toEqual([1748854800000]);
  });

  it('accepts CRLF line ends and blank lines, and keeps line numbers', () => {
    const text = '\r\n{"Type":"container","Action":"start","Actor":{"ID":"c1"},"time":1}\r\n\r\n{"Type":"container","Action":"die","Actor":{"ID":"c1"},"time":2}\r\n';
    expect(events(text).map((e) => [e.action, e.path])).toEqual([['start', 'line 2'], ['die', 'line 4']]);
  });

  it('treats empty output as an empty log, noted', () => {
    const part = parseDockerEvents('\n  \n', source);
    expect(part.events?.[0]?.events).toEqual([]);
    expect(part.notes?.[0]).toMatch(/empty/);
  });

  it('treats a log of other event types only as an empty container log', () => {
    const part = parseDockerEvents('{"Type":"image","Action":"pull","Actor":{"ID":"nginx:1.27"},"time":1}', source);
    expect(part.events?.[0]?.events).toEqual([]);
  });

  it('skips unreadable lines with a note when others parse', () => {
    const text = [
      '{"Type":"container","Action":"exec_start: sh","Actor":{"ID":"c1","Attributes":{"name":"api"}},"time":5}',
      'Error response from daemon: client version 1.24 is too old',
      '{"Type":"container","Action":"exec_start: sh","time":6}',
      '{"Type":"container","Action":"start","Actor":{"ID":"c1"}}',
      '[1,2]',
    ].join('\n');
    const part = parseDockerEvents(text, source);
    expect(part.events?.[0]?.events.map((e) => e.path)).toEqual(['line 1']);
    expect(part.notes?.join(' ')).toMatch(
      /skipped 4 unreadable event\(s\): line 2 \(not JSON\), line 3 \(no container id\), line 4 \(no time\), line 5 \(not an object\)/,
    );
  });
});

describe('parseDockerEvents: hostile and wrong input', () => {
  it.each([
    ['plain text', 'CONTAINER ID   IMAGE   COMMAND\n3f4e8a1c9b2d   nginx   "nginx"', /no line is a docker event/],
    ['JSON objects that are not events', '{"a":1}\n{"b":2}', /no line is a docker event/],
    ['arrays nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), /no line is a docker event/],
    ['a parsed object', { Type: 'container' }, /must be text/],
  ])('refuses %s with an ArtifactError', (_label, content, message) => {
    expect(() => parseDockerEvents(content, source)).toThrow(ArtifactError);
    expect(() => parseDockerEvents(content, source)).toThrow(message);
  });

  it('survives wrong types, __proto__ keys and NUL bytes inside', () => {
    const text = [
      '{"Type":"container","Action":{"x":1},"status":"exec_start","Actor":{"ID":7},"id":"c9","time":"12"}',
      '{"__proto__":{"Type":"container"},"Type":"container","Action":"exec_start:\\u0000","Actor":{"ID":"c\\u0000","Attributes":{"name":5}},"timeNano":"3000000000"}',
      '{"Type":"container","Action":":","Actor":{"ID":"c1"},"time":1}',
    ].join('\n');
    const list = events(text);
    expect(list).toEqual([
      { action: 'exec_start', command: null, containerId: 'c9', containerName: null, time: 12000, path: 'line 1' },
      { action: 'exec_start', command: '\u0000', containerId: 'c\u0000', containerName: null, time: 3000, path: 'line 2' },
    ]);
    expect(({} as Record<string, unknown>).Type).toBeUndefined();
  });

  // No timed assertion (project rule); vitest's per-test timeout is the bound.
  it('reads 100,000 lines', () => {
    const line = '{"Type":"container","Action":"exec_start: sh","Actor":{"ID":"c1","Attributes":{"name":"web"}},"time":1700000000}';
    const text = Array.from({ length: 100_000 }, () => line).join('\n');
    const list = events(text);
    expect(list).toHaveLength(100_000);
    expect(list[99_999]).toMatchObject({ command: 'sh', path: 'line 100000' });
  });
});
