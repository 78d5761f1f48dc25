import { describe, expect, it } from 'vitest';
import type { ControlResult } from '../model/result.ts';
import { sameContainerId } from './3.10-replaced-after-access.ts';
import { deployment, dockerInspect, fixtureText, kubernetes, type Overrides, pod, type PodContainer, redisContainer } from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

const recreateLog = fixtureText('docker-events/h6-exec-then-recreate.jsonl');

/** The recorded container: `cache`, started 2025-06-02T09:00:00.187Z, HEALTHCHECK `redis-cli ping || exit 1`. */
const CACHE_ID = '5b8e2f4a1c9d7e3b6a0f2c4e8d1b3a5c7e9f0b2d4a6c8e1f3b5d7a9c0e2f4b6d';
const NEW_ID = 'e41c9a7d3b5f08261c4e9a7b3d5f1e8c0a2b4d6f8e1c3a5b7d9f0e2c4a6b8d1f';

const inspect = (...overrides: Overrides[]): TestArtifact => dockerInspect(redisContainer(...overrides));

/** One `docker events --format '{{json .}}'` line, as Docker 27 prints it. */
function event(action: string, id: string, at: string, attributes: Record<string, string> = {}): string {
  const ms = Date.parse(at);
  const seconds = Math.floor(ms / 1000);
  const nanos = `${seconds}${String((ms % 1000) * 1e6).padStart(9, '0')}`;
  const actor = JSON.stringify({ ID: id, Attributes: { image: 'redis:7.2.4', name: 'cache', ...attributes } });
  return `{"Type":"container","Action":${JSON.stringify(action)},"Actor":${actor},"scope":"local","time":${seconds},"timeNano":${nanos}}`;
}

const events = (...lines: string[]): { kind: 'docker-events'; content: string; name: string } => ({
  kind: 'docker-events',
  name: 'events.jsonl',
  content: lines.join('\n') + '\n',
});

const execStart = (id: string, at: string, command = 'sh '): string =>
  event(`exec_start: ${command}`, id, at, { execID: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2' });

const onlyKind = (r: ControlResult, kind: string) => r.findings.filter((f) => f.kind === kind);

describe('3.10 replaced after active access', () => {
  it('is an L2 control', () => {
    expect(check('3.10', inspect()).levels).toEqual(['L2', 'L3']);
  });

  describe('docker-inspect (ExecIDs)', () => {
    it('passes ExecIDs null for the moment, saying that only running sessions show there', () => {
      const r = check('3.10', inspect());
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', container: 'cache', location: '/0/ExecIDs' })]);
      expect(r.findings[0]?.message).toMatch(/only running sessions/);
    });

    it('passes an empty ExecIDs list', () => {
      expect(check('3.10', inspect({ ExecIDs: [] })).status).toBe('pass');
    });

    it('fails exec sessions running now, with a remediation', () => {
      const r = check('3.10', inspect({ ExecIDs: ['0d4a9f7e1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e'] }));
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({ status: 'fail', container: 'cache', location: '/0/ExecIDs' });
      expect(r.findings[0]?.message).toMatch(/0d4a9f7e1b2c/);
      expect(r.findings[0]?.remediation).toMatch(/docker rm -f cache/);
    });
  });

  describe('docker-events', () => {
    it('passes a log without any exec', () => {
      const r = check('3.10', events(
        event('create', CACHE_ID, '2025-06-02T08:59:58.412Z'),
        event('start', CACHE_ID, '2025-06-02T09:00:00.187Z'),
      ));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/no exec session in 2 event\(s\)/);
    });

    it('passes an empty log (no events in the window)', () => {
      expect(check('3.10', events()).status).toBe('pass');
    });

    it('fails an exec into the container that docker inspect still shows as the running instance', () => {
      const r = check('3.10', [inspect(), events(execStart(CACHE_ID, '2025-06-02T10:15:03.498Z'))]);
      expect(r.status).toBe('fail');
      const [f] = onlyKind(r, 'docker-events');
      expect(f).toMatchObject({ status: 'fail', container: 'cache', location: 'line 1', artifact: 'events.jsonl' });
      expect(f?.message).toMatch(/still the running instance, started 2025-06-02T09:00:00\.187Z/);
      expect(f?.remediation).toBeTruthy();
    });

    it('matches 12-character short ids to the full id, both ways', () => {
      const r = check('3.10', [inspect(), events(execStart(CACHE_ID.slice(0, 12), '2025-06-02T10:15:03.498Z'))]);
      expect(onlyKind(r, 'docker-events')[0]).toMatchObject({ status: 'fail', container: 'cache' });
      expect(sameContainerId(CACHE_ID, CACHE_ID.slice(0, 12))).toBe(true);
      expect(sameContainerId(CACHE_ID.slice(0, 12), CACHE_ID)).toBe(true);
      expect(sameContainerId(CACHE_ID.slice(0, 5), CACHE_ID)).toBe(false);
      expect(sameContainerId(NEW_ID, CACHE_ID)).toBe(false);
    });

    it('counts exec_create as access too', () => {
      const r = check('3.10', [inspect(), events(event('exec_create: bash ', CACHE_ID, '2025-06-02T11:00:00.000Z'))]);
      expect(r.status).toBe('fail');
    });

    it('counts one docker exec as one session: exec_create, exec_start and exec_die share its execID', () => {
      // As Docker 20.10 sent them for `docker exec t1 id` (recorded on a real daemon).
      const session = (action: string, at: string) => event(action, CACHE_ID, at, { execID: '95004a84b9bf'.padEnd(64, '0') });
      const r = check('3.10', [inspect(), events(
        session('exec_create: id ', '2025-06-02T10:15:03.497Z'),
        session('exec_start: id ', '2025-06-02T10:15:03.498Z'),
        session('exec_die', '2025-06-02T10:15:03.560Z'),
      )]);
      expect(onlyKind(r, 'docker-events')[0]?.message).toMatch(/^1 exec session\(s\), the last at 2025-06-02T10:15:03\.498Z/);
    });

    it('counts sessions by execID, and without one by the larger of the exec_create and exec_start counts', () => {
      const withIds = check('3.10', [inspect(), events(
        event('exec_create: sh', CACHE_ID, '2025-06-02T10:15:00.000Z', { execID: 'a'.repeat(64) }),
        event('exec_start: sh', CACHE_ID, '2025-06-02T10:15:00.001Z', { execID: 'a'.repeat(64) }),
        event('exec_create: sh', CACHE_ID, '2025-06-02T10:16:00.000Z', { execID: 'b'.repeat(64) }),
        event('exec_start: sh', CACHE_ID, '2025-06-02T10:16:00.001Z', { execID: 'b'.repeat(64) }),
      )]);
      expect(onlyKind(withIds, 'docker-events')[0]?.message).toMatch(/^2 exec session\(s\)/);
      const withoutIds = check('3.10', [inspect(), events(
        event('exec_create: sh', CACHE_ID, '2025-06-02T10:15:00.000Z'),
        event('exec_start: sh', CACHE_ID, '2025-06-02T10:15:00.001Z'),
        event('exec_create: sh', CACHE_ID, '2025-06-02T10:16:00.000Z'),
        event('exec_start: sh', CACHE_ID, '2025-06-02T10:16:00.001Z'),
        event('exec_create: sh', CACHE_ID, '2025-06-02T10:17:00.000Z'),
      )]);
      expect(onlyKind(withoutIds, 'docker-events')[0]?.message).toMatch(/^3 exec session\(s\)/);
    });

    it('fails a container restarted after the exec: a restart keeps the instance', () => {
      const r = check('3.10', [
        inspect({ State: { StartedAt: '2025-06-02T12:00:00.000000000Z' } }),
        events(execStart(CACHE_ID, '2025-06-02T10:15:03.498Z')),
      ]);
      expect(r.status).toBe('fail');
      expect(onlyKind(r, 'docker-events')[0]?.message).toMatch(/restarted .* never replaced/);
    });

    it('passes an exec\'d container that was destroyed and replaced since (compose --force-recreate)', () => {
      const newInstance = inspect({ Id: NEW_ID, State: { StartedAt: '2025-06-02T10:29:01.104118220Z' } });
      const r = check('3.10', [newInstance, { kind: 'docker-events', content: recreateLog, name: 'events.jsonl' }]);
      expect(r.status).toBe('pass');
      const [f] = onlyKind(r, 'docker-events');
      expect(f).toMatchObject({ status: 'pass', container: 'cache', location: 'line 8' });
      expect(f?.message).toMatch(/removed at 2025-06-02T10:29:00\.\d{3}Z; replaced by e41c9a7d3b5f/);
    });

    it('passes a container that stopped after the exec and was not started again', () => {
      const r = check('3.10', events(
        execStart(CACHE_ID, '2025-06-02T10:15:03.498Z'),
        event('die', CACHE_ID, '2025-06-02T10:30:00.000Z', { exitCode: '0' }),
      ));
      expect(r.status).toBe('pass');
    });

    it('fails a container stopped and started again after the exec (same instance)', () => {
      const r = check('3.10', events(
        execStart(CACHE_ID, '2025-06-02T10:15:03.498Z'),
        event('die', CACHE_ID, '2025-06-02T10:30:00.000Z', { exitCode: '137' }),
        event('start', CACHE_ID, '2025-06-02T10:30:02.000Z'),
      ));
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({ location: 'line 3', container: 'cache' });
    });

    it('fails an exec with no later die or destroy when no inspect shows the container', () => {
      const r = check('3.10', events(execStart(CACHE_ID, '2025-06-02T10:15:03.498Z')));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/as far as the log shows/);
    });

    it('does not take health-check probes (the container\'s HEALTHCHECK command) for access', () => {
      const probe = (at: string) => event('exec_start: /bin/sh -c redis-cli ping || exit 1', CACHE_ID, at, { execID: at.replace(/\D/g, '').padEnd(64, 'f') });
      const r = check('3.10', [
        inspect(),
        events(probe('2025-06-02T09:00:30.201Z'), probe('2025-06-02T09:01:00.214Z'), probe('2025-06-02T09:01:30.229Z')),
      ]);
      expect(r.status).toBe('pass');
      expect(onlyKind(r, 'docker-events')[0]?.message).toMatch(/3 health-check probe\(s\) left out/);
    });

    it('still fails a real exec beside health-check probes', () => {
      const probe = event('exec_start: /bin/sh -c redis-cli ping || exit 1', CACHE_ID, '2025-06-02T09:00:30.201Z');
      const r = check('3.10', [inspect(), events(probe, execStart(CACHE_ID, '2025-06-02T10:15:03.498Z', 'redis-cli monitor'))]);
      expect(r.status).toBe('fail');
      expect(onlyKind(r, 'docker-events')[0]?.location).toBe('line 2');
    });
  });

  describe('kubernetes', () => {
    /** A running Pod object of checkout-api, with the ephemeral containers given. */
    const running = (ephemeralContainers?: PodContainer[]): TestArtifact => {
      const checkout = pod({
        name: 'checkout-api-7c9f8d6b5d-q4m2x',
        namespace: 'shop',
        labels: { app: 'checkout-api' },
        containers: [{ name: 'api', image: 'registry.example.com/shop/checkout-api:2.14.1' }],
        ephemeralContainers,
      });
      return kubernetes({ ...checkout, status: { phase: 'Running' } }, 'pods.yaml');
    };

    it('fails a Pod object with an ephemeral debug container, naming it', () => {
      const r = check('3.10', running([{ name: 'debugger-x7k2p', image: 'busybox:1.36', targetContainerName: 'api' }]));
      expect(r.status).toBe('fail');
      expect(r.findings).toEqual([
        expect.objectContaining({ status: 'fail', container: 'debugger-x7k2p', location: 'spec.ephemeralContainers' }),
      ]);
      expect(r.findings[0]?.remediation).toMatch(/kubectl delete pod checkout-api-7c9f8d6b5d-q4m2x -n shop/);
    });

    it('passes a Pod object without ephemeral containers', () => {
      const r = check('3.10', running());
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/no ephemeral/);
    });

    it('reads the pods of `kubectl get pods -o yaml` (a List)', () => {
      const list = dedent(`
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: web-0}
            spec:
              containers: [{name: web, image: "nginx:1.27"}]
          - apiVersion: v1
            kind: Pod
            metadata: {name: web-1}
            spec:
              containers: [{name: web, image: "nginx:1.27"}]
              ephemeralContainers: [{name: debugger-abc12, image: "busybox:1.36"}]
      `);
      const r = check('3.10', { kind: 'kubernetes', content: list });
      expect(r.status).toBe('fail');
      expect(r.findings.map((f) => `${f.status} ${f.location}`)).toEqual([
        'pass items[0].spec.ephemeralContainers',
        'fail items[1].spec.ephemeralContainers',
      ]);
    });

    it('says nothing from templates (a Deployment is pods to come, not accessed ones)', () => {
      const r = check('3.10', kubernetes(deployment({ name: 'web', containers: [{ name: 'web', image: 'nginx:1.27' }] })));
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
      expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'docker-events', 'kubernetes']));
    });
  });

  describe('earlier snapshots (context.history)', () => {
    const seen = (containerId: string) => ({ containerId, seenAt: '2025-06-02T10:20:00Z', snapshotId: 'snap_01JX3F' });

    it('fails a container seen with exec sessions earlier that is still the running instance', () => {
      const r = check('3.10', inspect(), { history: [seen(CACHE_ID.slice(0, 12))] });
      expect(r.status).toBe('fail');
      const f = r.findings.find((x) => x.status === 'fail');
      expect(f).toMatchObject({ container: 'cache', kind: 'docker-inspect' });
      expect(f?.message).toMatch(/snap_01JX3F/);
      expect(f?.remediation).toBeTruthy();
    });

    it('passes when the container seen earlier has been replaced', () => {
      const r = check('3.10', inspect({ Id: NEW_ID }), { history: [seen(CACHE_ID)] });
      expect(r.status).toBe('pass');
    });
  });

  it('takes the worst of mixed artifacts: an empty ExecIDs does not hide an exec in the log', () => {
    const r = check('3.10', [inspect({ ExecIDs: [] }), events(execStart(CACHE_ID, '2025-06-02T10:15:03.498Z'))]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.kind}:${f.status}`)).toEqual(['docker-inspect:pass', 'docker-events:fail']);
  });
});
