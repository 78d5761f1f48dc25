import { describe, expect, it } from 'vitest';
import { compose, deployment, dockerInspect, type Json, kubernetes, only, pod, redisContainer } from './fixtures.ts';
import { socketExposure } from './shared/sockets.ts';
import { check, type TestArtifact } from './testing.ts';

interface Options {
  name?: string;
  image?: string;
  labels?: Record<string, string>;
}

const recorded = redisContainer();

/**
 * The recorded redis container with extra `-v SRC:DST[:ro]` binds, as Docker prints them: in
 * HostConfig.Binds and, resolved, in Mounts (after the recorded volume at /Mounts/0).
 */
function inspect(binds: string[], o: Options = {}): TestArtifact {
  const mounts = binds.map((b) => {
    const [src = '', dst = '', mode = ''] = b.split(':');
    return { Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: !mode.split(',').includes('ro'), Propagation: 'rprivate' };
  });
  return dockerInspect(redisContainer({
    Name: o.name === undefined ? undefined : `/${o.name}`,
    HostConfig: { Binds: [...(recorded.HostConfig.Binds as string[]), ...binds] },
    Mounts: [...recorded.Mounts, ...mounts],
    Config: { Image: o.image, Labels: o.labels && { ...(recorded.Config.Labels as Json), ...o.labels } },
  }));
}

describe('3.15 Docker socket', () => {
  it('is an L1 control', () => {
    expect(check('3.15', inspect([])).levels).toEqual(['L1', 'L2', 'L3']);
  });

  describe('docker-inspect', () => {
    it('passes a container that mounts no socket, per container', () => {
      const r = check('3.15', inspect(['/srv/cache/conf:/usr/local/etc/redis:ro']));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', container: 'cache', location: '/0' })]);
    });

    it('fails a read-write docker.sock mount, at the mount', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock']));
      expect(r.status).toBe('fail');
      const [f] = r.findings;
      expect(f).toMatchObject({ status: 'fail', container: 'cache', location: '/0/Mounts/1' });
      expect(f?.message).toMatch(/read-write/);
      expect(f?.remediation).toMatch(/socket-proxy/);
    });

    it('fails a :ro docker.sock mount and says that :ro does not limit the Docker API', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock:ro']));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/:ro does not limit the Docker API/);
      expect(r.findings[0]?.remediation).toBeTruthy();
    });

    it.each([
      ['/run/docker.sock'],
      ['/run/containerd/containerd.sock'],
      ['/var/run/containerd/containerd.sock'],
      ['/var/run/crio/crio.sock'],
      ['/run/podman/podman.sock'],
      ['/run/user/1000/podman/podman.sock'],
      ['/run/user/1000/docker.sock'],
      ['/home/ci/.docker/run/docker.sock'],
    ])('fails a mount of the socket %s', (socket) => {
      const r = check('3.15', inspect([`${socket}:/var/run/docker.sock`]));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.location).toBe('/0/Mounts/1');
    });

    it.each([['/var/run'], ['/run'], ['/var/run/docker'], ['/run/containerd'], ['/var'], ['/'], ['/run/user/1000']])(
      'fails a mount of %s, a folder that holds a socket',
      (folder) => {
        const r = check('3.15', inspect([`${folder}:/host${folder === '/' ? '' : folder}:ro`]));
        expect(r.status).toBe('fail');
        expect(r.findings[0]?.message).toMatch(/folder holding runtime sockets/);
      },
    );

    it.each([['/var//run/./docker.sock'], ['/var/run/docker.sock/'], ['/var/lib/../run/docker.sock'], ['//run//']])(
      'normalises the host path %s before judging it',
      (path) => {
        expect(check('3.15', inspect([`${path}:/sock`])).status).toBe('fail');
      },
    );

    it.each([['/var/lib/docker/volumes/data/_data'], ['/var/log'], ['/srv/run/docker'], ['/home/app/docker.socket']])(
      'passes %s, which holds no runtime socket',
      (path) => {
        expect(check('3.15', inspect([`${path}:/data:ro`])).status).toBe('pass');
      },
    );

    it('passes a declared monitoring container whose image is a filtering socket proxy, naming both', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock:ro'], {
        name: 'socket-proxy',
        image: 'ghcr.io/tecnativa/docker-socket-proxy:0.3.0',
        labels: { 'org.owasp.csvs.docker-socket': 'monitoring' },
      }));
      expect(r.status).toBe('pass');
      const [f] = r.findings;
      expect(f).toMatchObject({ status: 'pass', container: 'socket-proxy', location: '/0/Mounts/1' });
      expect(f?.message).toMatch(/monitoring/);
      expect(f?.message).toMatch(/tecnativa\/docker-socket-proxy/);
    });

    it('passes a declared management container whose access is declared filtered', () => {
      const r = check('3.15', inspect(['/run/docker.sock:/var/run/docker.sock:ro'], {
        image: 'portainer/agent:2.21.4',
        labels: { 'org.owasp.csvs.docker-socket': 'management', 'org.owasp.csvs.docker-socket-access': 'filtered' },
      }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/management.*docker-socket-access=filtered/);
    });

    it('fails a declared monitoring container whose access nothing limits', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock:ro'], {
        image: 'gcr.io/cadvisor/cadvisor:v0.49.1',
        labels: { 'org.owasp.csvs.docker-socket': 'monitoring' },
      }));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/nothing limits its access/);
    });

    it('fails a socket proxy that is not declared a monitoring/management container', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock:ro'], {
        image: 'lscr.io/linuxserver/socket-proxy:latest',
      }));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/not declared/);
    });

    it('fails a declared, proxied container that mounts the socket read-write', () => {
      const r = check('3.15', inspect(['/var/run/docker.sock:/var/run/docker.sock'], {
        image: 'wollomatic/socket-proxy:1.10.0',
        labels: { 'org.owasp.csvs.docker-socket': 'management' },
      }));
      expect(r.status).toBe('fail');
    });

    it('passes a container with a named volume whose Docker-side path merely looks alike', () => {
      const volume = {
        Type: 'volume', Name: 'run', Source: '/var/lib/docker/volumes/run/_data', Destination: '/var/run', Driver: 'local',
        Mode: 'z', RW: true, Propagation: '',
      };
      expect(check('3.15', dockerInspect(redisContainer({ Mounts: [...recorded.Mounts, volume] }))).status).toBe('pass');
    });
  });

  describe('compose', () => {
    /** The app service, and the service given beside it. */
    const withApp = (services: Record<string, Json> = {}): TestArtifact => compose({ app: { image: 'ghcr.io/acme/app:1.2.0' }, ...services });

    it('passes services without socket mounts', () => {
      const r = check('3.15', withApp());
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ container: 'app', location: 'services.app' });
    });

    it('fails the short syntax, read-write', () => {
      const r = check('3.15', withApp({ traefik: { image: 'traefik:v3.1', volumes: ['/var/run/docker.sock:/var/run/docker.sock'] } }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]).toMatchObject({ container: 'traefik', location: 'services.traefik.volumes[0]' });
    });

    it('fails the long syntax with read_only: true, saying why', () => {
      const r = check('3.15', withApp({
        watchtower: {
          image: 'containrrr/watchtower:1.7.1',
          volumes: [{ type: 'bind', source: '/run/docker.sock', target: '/var/run/docker.sock', read_only: true }],
        },
      }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/does not limit the Docker API/);
    });

    it('passes the labelled socket proxy pattern, and the app that talks to it', () => {
      const proxy = {
        image: 'tecnativa/docker-socket-proxy:0.3.0',
        labels: ['org.owasp.csvs.docker-socket=monitoring'],
        environment: { CONTAINERS: 1, POST: 0 },
        volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
      };
      const r = check('3.15', withApp({ 'socket-proxy': proxy }));
      expect(r.status).toBe('pass');
      expect(r.findings.find((f) => f.container === 'socket-proxy')).toMatchObject({
        status: 'pass', location: 'services.socket-proxy.volumes[0]',
      });
    });

    it('fails a bind of /var through a named local volume', () => {
      const agent = compose(
        { agent: { image: 'ghcr.io/acme/agent:0.9.0', volumes: ['hostvar:/host/var:ro'] } },
        { volumes: { hostvar: { driver: 'local', driver_opts: { type: 'none', o: 'bind', device: '/var' } } } },
      );
      expect(check('3.15', agent).status).toBe('fail');
    });
  });

  describe('kubernetes', () => {
    /** The node-agent DaemonSet with one volume, the agent's mounts of it, and pod labels beside `app`. */
    const daemonSet = (volume: Json, volumeMounts?: Json[], labels?: Record<string, string>): TestArtifact => kubernetes(deployment({
      kind: 'DaemonSet',
      name: 'node-agent',
      namespace: 'monitoring',
      labels,
      containers: [{ name: 'agent', image: 'ghcr.io/acme/node-agent:1.8.0', volumeMounts }],
      spec: { volumes: [volume] },
    }), 'agent.yaml');

    it('fails a mounted hostPath of the socket, at the volumeMount', () => {
      const r = check('3.15', daemonSet(
        { name: 'sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
        [{ name: 'sock', mountPath: '/var/run/docker.sock' }],
      ));
      expect(r.status).toBe('fail');
      expect(r.findings[0]).toMatchObject({
        status: 'fail', container: 'agent', location: 'spec.template.spec.containers[0].volumeMounts[0]',
      });
    });

    it('fails readOnly: true too', () => {
      const r = check('3.15', daemonSet(
        { name: 'run', hostPath: { path: '/run/containerd', type: 'Directory' } },
        [{ name: 'run', mountPath: '/run/containerd', readOnly: true }],
      ));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/does not limit/);
    });

    it('fails a folder narrowed to the socket by subPath', () => {
      const r = check('3.15', daemonSet(
        { name: 'run', hostPath: { path: '/var/run' } },
        [{ name: 'run', mountPath: '/var/run/docker.sock', subPath: 'docker.sock' }],
      ));
      expect(r.status).toBe('fail');
      expect(r.findings[0]?.message).toMatch(/docker\.sock/);
    });

    it('names a socket hostPath volume that no container mounts (unknown), without failing', () => {
      const r = check('3.15', daemonSet({ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }));
      expect(r.status).toBe('pass');
      const unknown = only(r, 'unknown');
      expect(unknown).toHaveLength(1);
      expect(unknown[0]).toMatchObject({ location: 'spec.template.spec.volumes[0].hostPath', container: null });
      expect(unknown[0]?.message).toMatch(/"sock".*no container\s+mounts it/);
    });

    it('passes a pod labelled monitoring and filtered, mounting read-only', () => {
      const r = check('3.15', daemonSet(
        { name: 'sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
        [{ name: 'sock', mountPath: '/var/run/docker.sock', readOnly: true }],
        { 'org.owasp.csvs.docker-socket': 'monitoring', 'org.owasp.csvs.docker-socket-access': 'filtered' },
      ));
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ status: 'pass', container: 'agent' });
    });

    it('counts init containers', () => {
      const r = check('3.15', kubernetes(pod({
        name: 'builder',
        initContainers: [{ name: 'prepare', image: 'docker:27-cli', volumeMounts: [{ name: 'sock', mountPath: '/var/run/docker.sock' }] }],
        containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.2.0' }],
        spec: { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] },
      })));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]).toMatchObject({ container: 'prepare', location: 'spec.initContainers[0].volumeMounts[0]' });
      expect(r.findings.find((f) => f.container === 'app')?.status).toBe('pass');
    });
  });

  it('takes the worst of mixed artifacts', () => {
    const compose = { kind: 'compose' as const, content: 'services:\n  app:\n    image: ghcr.io/acme/app:1.2.0\n' };
    const r = check('3.15', [compose, inspect(['/var/run/docker.sock:/var/run/docker.sock:ro'])]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => f.status).sort()).toEqual(['fail', 'pass']);
    for (const f of only(r, 'fail')) expect(f.remediation).toBeTruthy();
  });

  it('stays unknown with only a Dockerfile', () => {
    const r = check('3.15', { kind: 'dockerfile', content: 'FROM docker:27-cli\nVOLUME /var/run/docker.sock\n' });
    expect(r.status).toBe('unknown');
    expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'compose', 'kubernetes']));
  });
});

describe('socketExposure', () => {
  it('tells a socket from a folder holding one, and from neither', () => {
    expect(socketExposure('/var/run/docker.sock')).toEqual({ kind: 'socket', socket: '/run/docker.sock' });
    expect(socketExposure('/var/run')).toMatchObject({ kind: 'folder', holds: expect.arrayContaining(['/run/docker.sock']) });
    expect(socketExposure('/var')).toMatchObject({ kind: 'folder' });
    expect(socketExposure('/run/user')).toMatchObject({ kind: 'folder', holds: expect.arrayContaining(['/run/user/<uid>/podman/podman.sock']) });
    expect(socketExposure('/run/user/abc')).toBeNull();
    expect(socketExposure('/varrun')).toBeNull();
    expect(socketExposure('data/docker.sock')).toBeNull();
    expect(socketExposure('\\\\.\\pipe\\docker_engine')).toMatchObject({ kind: 'socket' });
  });
});
