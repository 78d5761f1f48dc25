import { describe, expect, it } from 'vitest';
import { excerptOf } from './excerpts.ts';

describe('excerptOf', () => {
  it('shows the line a finding names, with one line either side', () => {
    const dockerfile = 'FROM node:22\nWORKDIR /app\nADD app.tar.gz /app/\nRUN npm ci\n';
    expect(excerptOf(dockerfile, 'line 3')).toEqual({
      type: 'lines',
      lines: [
        { n: 2, text: 'WORKDIR /app', hit: false },
        { n: 3, text: 'ADD app.tar.gz /app/', hit: true },
        { n: 4, text: 'RUN npm ci', hit: false },
      ],
    });
    expect(excerptOf(dockerfile, 'line 1')).toMatchObject({ lines: [{ n: 1, hit: true }, { n: 2 }] });
    expect(excerptOf(dockerfile, 'line 99')).toBeNull();
  });

  it('shows the value a JSON pointer names, and an unset one as empty', () => {
    const inspect = JSON.stringify([{ HostConfig: { Privileged: true, 'a/b': 1 }, Config: { User: '' } }]);
    expect(excerptOf(inspect, '/0/HostConfig/Privileged')).toEqual({ type: 'value', key: 'Privileged', value: 'true' });
    expect(excerptOf(inspect, '/0/HostConfig/a~1b')).toEqual({ type: 'value', key: 'a/b', value: '1' });
    expect(excerptOf(inspect, '/0/Config/User')).toEqual({ type: 'value', key: 'User', value: '""' });
    expect(excerptOf(inspect, '/0/HostConfig/PidsLimit')).toEqual({ type: 'value', key: 'PidsLimit', value: '' });
    expect(excerptOf(inspect, '/0/__proto__/x')).toEqual({ type: 'value', key: 'x', value: '' });
  });

  it('shows the YAML lines around the path a finding names (the deepest part the file has)', () => {
    const compose = 'services:\n  web:\n    image: nginx:1.27\n    read_only: false\n    ports:\n      - "80:80"\n';
    expect(excerptOf(compose, 'services.web.read_only')).toEqual({
      type: 'lines',
      lines: [
        { n: 3, text: '    image: nginx:1.27', hit: false },
        { n: 4, text: '    read_only: false', hit: true },
        { n: 5, text: '    ports:', hit: false },
      ],
    });
    // The final newline ends line 6; it starts no line 7.
    expect(excerptOf(compose, 'services.web.ports[0]')).toEqual({ type: 'lines', lines: [{ n: 5, text: '    ports:', hit: false }, { n: 6, text: '      - "80:80"', hit: true }] });
    // Absent: where it would be written.
    expect(excerptOf(compose, 'services.web.security_opt')).toMatchObject({ lines: [{ n: 1 }, { n: 2, hit: true }, { n: 3 }] });
  });

  it('has nothing to show for unparsable JSON', () => {
    expect(excerptOf('{not json', '/0/x')).toBeNull();
    expect((excerptOf('x'.repeat(1000), 'line 1') as { lines: { text: string }[] }).lines[0]?.text.length).toBe(240);
  });
});
