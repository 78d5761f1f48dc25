import { describe, expect, it } from 'vitest';
import { redactArtifact } from '../workers/engine/redact.ts';
import { RedactionMemo } from './redaction-memo.ts';

const DOCKERFILE = 'FROM node:24\nENV API_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\nARG NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789\nUSER node\n';

describe('RedactionMemo', () => {
  it('gives what redactArtifact gives, the first time and again', () => {
    const memo = new RedactionMemo(1_000_000);
    const direct = redactArtifact('dockerfile', DOCKERFILE, {});
    expect(direct.redactions.length).toBeGreaterThan(0);
    expect(memo.redact('dockerfile', DOCKERFILE, {})).toEqual(direct);
    const again = memo.redact('dockerfile', DOCKERFILE, {});
    expect(again).toEqual(direct);
    expect(memo.redact('dockerfile', DOCKERFILE, {})).toBe(again);
  });

  it('tells texts, kinds and options apart', () => {
    const memo = new RedactionMemo(1_000_000);
    const first = memo.redact('dockerfile', DOCKERFILE, {});
    expect(memo.redact('dockerfile', `${DOCKERFILE}# changed\n`, {})).not.toBe(first);
    expect(memo.redact('dockerfile', DOCKERFILE, { allowEnv: ['API_TOKEN'] })).toEqual(redactArtifact('dockerfile', DOCKERFILE, { allowEnv: ['API_TOKEN'] }));
    expect(memo.redact('processes', DOCKERFILE, {})).toEqual(redactArtifact('processes', DOCKERFILE, {}));
  });

  it('forgets the least recently used beyond its size', () => {
    const memo = new RedactionMemo(4_000);
    const texts = Array.from({ length: 20 }, (_, i) => `FROM alpine:3.${i}\nRUN echo ${'x'.repeat(100)}\n`);
    const firsts = texts.map((t) => memo.redact('dockerfile', t, {}));
    // The newest is still remembered (the same object), the oldest was made again.
    expect(memo.redact('dockerfile', texts[19] ?? '', {})).toBe(firsts[19]);
    expect(memo.redact('dockerfile', texts[0] ?? '', {})).not.toBe(firsts[0]);
    expect(memo.redact('dockerfile', texts[0] ?? '', {})).toEqual(firsts[0]);
  });

  it('redacts parsed JSON every time (nothing to hash without writing it out)', () => {
    const memo = new RedactionMemo(1_000_000);
    const inspect = [{ Config: { Env: ['DB_PASSWORD=hunter2-secret-value'] } }];
    expect(memo.redact('docker-inspect', inspect, {})).not.toBe(memo.redact('docker-inspect', inspect, {}));
  });
});
