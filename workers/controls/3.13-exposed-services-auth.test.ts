import { describe, expect, it } from 'vitest';
import type { ControlResult, Finding } from '../model/result.ts';
import { compose, deployment, dockerInspect, type Json, kubernetes, only, type Overrides, pod, redisContainer } from './fixtures.ts';
import { check, dedent, type TestArtifact } from './testing.ts';

/**
 * The recorded container: redis:7.2.4 as `docker run -p 6379:6379 redis`, so 6379/tcp is bound
 * on 0.0.0.0 and :: and its PortBindings HostIp is empty; changed as docker would show the change.
 */
const inspect = (...overrides: Overrides[]): TestArtifact => dockerInspect(redisContainer(...overrides));

/** Publishes `port` (container side) on `hostIp` ('' all interfaces, null: exposed only), replacing the recorded bindings. */
function published(port: string, hostIp: string | null): Overrides {
  const HostPort = port.split('/')[0] ?? '';
  // Docker shows a binding on all interfaces once per address family.
  const shown = hostIp === '' ? [{ HostIp: '0.0.0.0', HostPort }, { HostIp: '::', HostPort }] : [{ HostIp: hostIp, HostPort }];
  return {
    Config: { ExposedPorts: { [port]: {} } },
    HostConfig: { PortBindings: hostIp === null ? {} : { [port]: [{ HostIp: hostIp, HostPort }] } },
    NetworkSettings: { Ports: { [port]: hostIp === null ? null : shown } },
  };
}

/** Runs `argv` (no entrypoint) of `image` with the environment given beside PATH. */
function running(image: string, argv: string[], env: string[] = []): Overrides {
  return {
    Path: argv[0] ?? '',
    Args: argv.slice(1),
    Config: { Image: image, Entrypoint: null, Cmd: argv, Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env] },
  };
}

function expectFailWithFix(r: ControlResult): Finding {
  expect(r.status).toBe('fail');
  const [f] = only(r, 'fail');
  if (!f) throw new Error('no failing finding');
  expect(f.remediation).toBeTruthy();
  return f;
}

describe('3.13 exposed services authenticated', () => {
  it('is an L1 control', () => {
    expect(check('3.13', inspect()).levels).toEqual(['L1', 'L2', 'L3']);
  });

  describe('docker-inspect', () => {
    it('fails Redis published on all interfaces without authentication, once per port', () => {
      const r = check('3.13', inspect());
      const f = expectFailWithFix(r);
      expect(r.findings).toHaveLength(1);
      expect(f).toMatchObject({ container: 'cache', artifact: 'inspect.json' });
      expect(f.location).toMatch(/^\/0\/(NetworkSettings|HostConfig)\/(Ports|PortBindings)\/6379~1tcp/);
      expect(f.message).toMatch(/Redis \(6379\/tcp\).*all interfaces.*no authentication evidence/);
      expect(f.remediation).toMatch(/127\.0\.0\.1:6379:6379|--requirepass/);
    });

    it('passes Redis bound to loopback', () => {
      const r = check('3.13', inspect(published('6379/tcp', '127.0.0.1')));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/loopback/);
    });

    it('passes Redis that is not published', () => {
      const r = check('3.13', inspect(published('6379/tcp', null)));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/not published/);
    });

    it('passes published Redis with --requirepass, naming the evidence but never the secret', () => {
      const r = check('3.13', inspect(running('redis:7.2.4', ['redis-server', '--requirepass', 'Sup3rS3cret'])));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/--requirepass/);
      expect(JSON.stringify(r.findings)).not.toMatch(/Sup3rS3cret/);
    });

    it('passes published Redis with a non-empty REDIS_PASSWORD (also when redacted), fails an empty one', () => {
      const ok = check('3.13', inspect(running('bitnami/redis:7.4', ['/opt/bitnami/scripts/redis/run.sh'], ['REDIS_PASSWORD=********'])));
      expect(ok.status).toBe('pass');
      expect(ok.findings[0]?.message).toMatch(/REDIS_PASSWORD/);
      expect(ok.findings[0]?.message).not.toMatch(/\*{8}/);
      const empty = check('3.13', inspect(running('bitnami/redis:7.4', ['/opt/bitnami/scripts/redis/run.sh'], ['REDIS_PASSWORD='])));
      expect(empty.status).toBe('fail');
    });

    it('fails explicit no-auth settings and says so', () => {
      const bitnami = check('3.13', inspect(running('bitnami/redis:7.4', ['/opt/bitnami/scripts/redis/run.sh'], ['ALLOW_EMPTY_PASSWORD=yes'])));
      expect(expectFailWithFix(bitnami).message).toMatch(/explicitly off \(ALLOW_EMPTY_PASSWORD=yes/);
      const protectedOff = check('3.13', inspect(running('redis:7.2.4', ['redis-server', '--protected-mode', 'no'])));
      expect(expectFailWithFix(protectedOff).message).toMatch(/explicitly off \(--protected-mode/);
    });

    it('lets a password outrank "protected-mode no", but not a setting that switches authentication off', () => {
      const redis = check('3.13', inspect(running('redis:7.2.4', ['redis-server', '--protected-mode', 'no', '--requirepass', 'x'])));
      expect(redis.status).toBe('pass');
      const es = check('3.13', inspect(
        running('elasticsearch:8.15.0', ['/bin/tini', '--', '/usr/local/bin/docker-entrypoint.sh'],
          ['discovery.type=single-node', 'xpack.security.enabled=false', 'ELASTIC_PASSWORD=changeme']),
        published('9200/tcp', ''),
      ));
      expect(expectFailWithFix(es).message).toMatch(/Elasticsearch.*xpack\.security\.enabled=false/);
    });

    it('fails a service in the host network, where every port is on the host', () => {
      const r = check('3.13', inspect({ HostConfig: { NetworkMode: 'host', PortBindings: {} }, NetworkSettings: { Ports: {} } }));
      const f = expectFailWithFix(r);
      expect(f.location).toBe('/0/HostConfig/NetworkMode');
      expect(f.message).toMatch(/host network/);
    });

    it('leaves a port bound to one specific non-loopback address unknown', () => {
      const r = check('3.13', inspect(published('6379/tcp', '10.0.4.12')));
      expect(r.status).toBe('unknown');
      expect(r.findings[0]).toMatchObject({ status: 'unknown', container: 'cache' });
      expect(r.findings[0]?.message).toMatch(/10\.0\.4\.12/);
    });

    it('passes a container without sensitive services ("no sensitive service exposed")', () => {
      const r = check('3.13', inspect(running('nginx:1.27', ['nginx', '-g', 'daemon off;']), published('80/tcp', '')));
      expect(r.status).toBe('pass');
      expect(r.findings).toEqual([expect.objectContaining({ status: 'pass', container: 'cache', location: '/0' })]);
      expect(r.findings[0]?.message).toMatch(/no sensitive service exposed/);
    });

    it('counts PostgreSQL and MySQL only with an explicit no-auth setting', () => {
      const pg = (env: string[]) => inspect(running('postgres:16', ['docker-entrypoint.sh', 'postgres'], env), published('5432/tcp', ''));
      expect(check('3.13', pg(['POSTGRES_PASSWORD=********'])).status).toBe('pass');
      expect(expectFailWithFix(check('3.13', pg(['POSTGRES_HOST_AUTH_METHOD=trust']))).message)
        .toMatch(/PostgreSQL.*POSTGRES_HOST_AUTH_METHOD=trust/);
      const mysql = inspect(running('mysql:8.4', ['docker-entrypoint.sh', 'mysqld'], ['MYSQL_ALLOW_EMPTY_PASSWORD=yes']), published('3306/tcp', ''));
      expect(expectFailWithFix(check('3.13', mysql)).message).toMatch(/MySQL/);
    });

    it('fails a Docker API on 2375 started with -H tcp://0.0.0.0:2375, passes it with --tlsverify, ignores 2376', () => {
      const dind = (args: string[], port = '2375/tcp') =>
        inspect(running('docker:27-dind', ['dockerd-entrypoint.sh', 'dockerd', ...args], ['DOCKER_TLS_CERTDIR=/certs']), published(port, ''));
      expect(expectFailWithFix(check('3.13', dind(['-H', 'tcp://0.0.0.0:2375']))).message).toMatch(/Docker API.*explicitly off/);
      expect(check('3.13', dind(['--host=tcp://0.0.0.0:2375', '--tlsverify', '--tlscacert=/certs/ca.pem'])).status).toBe('pass');
      expect(check('3.13', dind(['--tlsverify'], '2376/tcp')).findings[0]?.message).toMatch(/no sensitive service/);
    });

    it('requires client certificates on etcd\'s client port and peer certificates on its peer port', () => {
      const etcd = inspect(
        running('quay.io/coreos/etcd:v3.5.16', ['/usr/local/bin/etcd', '--client-cert-auth', '--trusted-ca-file=/etc/etcd/ca.pem',
          '--listen-client-urls=https://0.0.0.0:2379', '--listen-peer-urls=http://0.0.0.0:2380']),
        {
          Config: { ExposedPorts: { '2379/tcp': {}, '2380/tcp': {} } },
          HostConfig: { PortBindings: { '2379/tcp': [{ HostIp: '', HostPort: '2379' }], '2380/tcp': [{ HostIp: '', HostPort: '2380' }] } },
          NetworkSettings: { Ports: { '2379/tcp': [{ HostIp: '0.0.0.0', HostPort: '2379' }], '2380/tcp': [{ HostIp: '0.0.0.0', HostPort: '2380' }] } },
        },
      );
      const r = check('3.13', etcd);
      expect(r.status).toBe('fail');
      expect(r.findings.find((f) => /client API/.test(f.message))?.status).toBe('pass');
      expect(r.findings.find((f) => /peer/.test(f.message))?.status).toBe('fail');
    });

    it('fails the kubelet read-only port whatever is set, saying it never authenticates', () => {
      const r = check('3.13', inspect(running('registry.k8s.io/kubelet:v1.31.1', ['kubelet', '--anonymous-auth=false']), published('10255/tcp', '')));
      expect(expectFailWithFix(r).message).toMatch(/never authenticates/);
    });

    it('passes Memcached with SASL (-S) and fails it without', () => {
      const mc = (argv: string[]) => inspect(running('memcached:1.6', argv), published('11211/tcp', ''));
      expect(check('3.13', mc(['memcached', '-S', '-m', '64'])).status).toBe('pass');
      expect(check('3.13', mc(['memcached', '-m', '64'])).status).toBe('fail');
    });
  });

  describe('compose', () => {
    it('fails "6379:6379" without authentication, at the port entry', () => {
      const r = check('3.13', compose({ redis: { image: 'redis:7.2.4', ports: ['6379:6379'] } }));
      const f = expectFailWithFix(r);
      expect(f).toMatchObject({ container: 'redis', location: 'services.redis.ports[0]' });
    });

    it('identifies the service by container port, not host port', () => {
      const r = check('3.13', compose({
        redis: { image: 'redis:7.2.4', ports: ['16379:6379'] },
        web: { image: 'ghcr.io/acme/web:1.0.0', ports: ['6379:8080'] },
      }));
      expect(r.findings.find((f) => f.container === 'redis')?.status).toBe('fail');
      expect(r.findings.find((f) => f.container === 'web')?.status).toBe('pass');
    });

    it.each([['"127.0.0.1:6379:6379"'], ['"[::1]:6379:6379"'], ['{target: 6379, published: 6379, host_ip: 127.0.0.1}']])(
      'passes Redis on loopback (%s)',
      (port) => {
        const r = check('3.13', {
          kind: 'compose',
          name: 'compose.yaml',
          content: dedent(`
            services:
              redis:
                image: redis:7.2.4
                ports: [${port}]
          `),
        });
        expect(r.status).toBe('pass');
      },
    );

    it('fails the long syntax on 0.0.0.0', () => {
      const r = check('3.13', compose({ redis: { image: 'redis:7.2.4', ports: [{ target: 6379, published: 6379, host_ip: '0.0.0.0' }] } }));
      expect(r.status).toBe('fail');
    });

    it('passes a password given on the command line', () => {
      const r = check('3.13', compose({
        redis: { image: 'redis:7.2.4', command: 'redis-server --requirepass "${REDIS_PASSWORD}" --appendonly yes', ports: ['6379:6379'] },
      }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.location).toBe('services.redis.ports[0]');
    });

    it('passes expose: (reachable only from other containers)', () => {
      const r = check('3.13', compose({ redis: { image: 'redis:7.2.4', expose: ['6379'] } }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/not published/);
    });

    it('fails network_mode: host for a sensitive image without listed ports', () => {
      const r = check('3.13', compose({
        redis: {
          image: 'docker.io/library/redis:7.2.4@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
          network_mode: 'host',
        },
      }));
      const f = expectFailWithFix(r);
      expect(f.location).toBe('services.redis.network_mode');
    });

    it('fails bitnami etcd with ALLOW_NONE_AUTHENTICATION=yes, saying authentication is off', () => {
      const r = check('3.13', compose({
        etcd: {
          image: 'bitnami/etcd:3.5',
          environment: { ALLOW_NONE_AUTHENTICATION: 'yes', ETCD_ADVERTISE_CLIENT_URLS: 'http://etcd:2379' },
          ports: ['2379:2379'],
        },
      }));
      const f = expectFailWithFix(r);
      expect(f.message).toMatch(/etcd.*explicitly off \(ALLOW_NONE_AUTHENTICATION=yes, services\.etcd\.environment\.ALLOW_NONE_AUTHENTICATION\)/);
    });

    it('passes MongoDB with a root password from the environment', () => {
      const r = check('3.13', compose({
        mongo: { image: 'mongo:7.0', environment: ['MONGO_INITDB_ROOT_USERNAME=root', 'MONGO_INITDB_ROOT_PASSWORD=example'], ports: ['27017:27017'] },
      }));
      expect(r.status).toBe('pass');
      expect(r.findings[0]?.message).toMatch(/MONGO_INITDB_ROOT_PASSWORD set/);
    });
  });

  describe('kubernetes', () => {
    /** Redis (port named `redis`), with the container settings given. */
    const redis = (settings: Json): Json => deployment({
      name: 'redis',
      namespace: 'cache',
      labels: { tier: 'cache' },
      containers: [{ name: 'redis', image: 'redis:7.2.4', ports: [{ name: 'redis', containerPort: 6379 }], ...settings }],
    });
    const service = (type: string, port: Json): Json => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'redis-public', namespace: 'cache' },
      spec: { type, selector: { app: 'redis' }, ports: [port] },
    });
    const both = (settings: Json, type: string, port: Json): TestArtifact => kubernetes([redis(settings), service(type, port)], 'k8s.yaml');

    it('fails a LoadBalancer Service targeting Redis without authentication, at the Service port', () => {
      const r = check('3.13', both({}, 'LoadBalancer', { port: 6379, targetPort: 6379 }));
      const f = expectFailWithFix(r);
      expect(f).toMatchObject({ container: 'redis', location: '[1].spec.ports[0]' });
      expect(f.message).toMatch(/Service\/redis-public \(LoadBalancer/);
      expect(f.remediation).toMatch(/ClusterIP/);
    });

    it('takes an absent targetPort as the port', () => {
      expect(check('3.13', both({}, 'NodePort', { port: 6379, nodePort: 30079 })).status).toBe('fail');
    });

    it('resolves a named targetPort through the container\'s port names', () => {
      const r = check('3.13', both({}, 'NodePort', { port: 6379, targetPort: 'redis' }));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.location).toBe('[1].spec.ports[0]');
    });

    it('passes a ClusterIP Service: not exposed outside the cluster', () => {
      const r = check('3.13', both({}, 'ClusterIP', { port: 6379 }));
      expect(r.status).toBe('pass');
    });

    it('passes an exposed Redis whose password comes from a secret (valueFrom)', () => {
      const env = [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis', key: 'redis-password' } } }];
      const r = check('3.13', both({ env }, 'LoadBalancer', { port: 6379 }));
      expect(r.status).toBe('pass');
      expect(r.findings.find((f) => f.container === 'redis')?.message).toMatch(/REDIS_PASSWORD set/);
    });

    it('passes an exposed Redis given --requirepass through args (the image\'s entrypoint runs it)', () => {
      const args = ['--requirepass', '$(REDIS_PASSWORD)'];
      expect(check('3.13', both({ args }, 'LoadBalancer', { port: 6379 })).status).toBe('pass');
    });

    it('passes an exposed Redis given --requirepass through command', () => {
      const command = ['redis-server', '--requirepass', '$(REDIS_PASSWORD)'];
      expect(check('3.13', both({ command }, 'LoadBalancer', { port: 6379 })).status).toBe('pass');
    });

    it('fails a Service alone (pods not in the evidence) that exposes a sensitive port', () => {
      const r = check('3.13', kubernetes(service('NodePort', { port: 2379, targetPort: 2379, nodePort: 32379 }), 'k8s.yaml'));
      const f = expectFailWithFix(r);
      expect(f).toMatchObject({ container: null, location: 'spec.ports[0]' });
      expect(f.message).toMatch(/etcd.*not in the evidence/);
    });

    it('passes a Service alone that exposes no sensitive port', () => {
      const r = check('3.13', kubernetes(service('LoadBalancer', { port: 443, targetPort: 8443 }), 'k8s.yaml'));
      expect(r.status).toBe('pass');
    });

    it('fails hostNetwork pods and hostPorts on all interfaces; passes a hostPort on loopback', () => {
      const etcd = (spec: Json, port: Json): TestArtifact => kubernetes(pod({
        name: 'etcd-0',
        labels: { app: 'etcd' },
        spec,
        containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.15-0', command: ['etcd', '--listen-client-urls=http://0.0.0.0:2379'], ports: [port] }],
      }), 'k8s.yaml');
      const hostNet = check('3.13', etcd({ hostNetwork: true }, { containerPort: 2379 }));
      expect(expectFailWithFix(hostNet).location).toBe('spec.hostNetwork');
      const hostPort = check('3.13', etcd({}, { containerPort: 2379, hostPort: 2379 }));
      expect(expectFailWithFix(hostPort).location).toBe('spec.containers[0].ports[0]');
      const loop = check('3.13', etcd({}, { containerPort: 2379, hostPort: 2379, hostIP: '127.0.0.1' }));
      expect(loop.status).toBe('pass');
    });

    it('passes a Deployment without sensitive ports', () => {
      const r = check('3.13', kubernetes(deployment({ name: 'web', containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] }), 'k8s.yaml'));
      expect(r.status).toBe('pass');
      expect(r.findings[0]).toMatchObject({ container: 'web', location: 'spec.template.spec.containers[0]' });
    });
  });

  it('says nothing for a Dockerfile: EXPOSE documents, it does not publish', () => {
    const r = check('3.13', { kind: 'dockerfile', content: 'FROM redis:7.2.4\nEXPOSE 6379\n' });
    expect(r.status).toBe('unknown');
    expect(r.findings).toEqual([]);
    expect(r.decidedBy).toEqual(expect.arrayContaining(['docker-inspect', 'compose', 'kubernetes']));
  });

  it('takes the worst of mixed artifacts', () => {
    const loop = compose({ redis: { image: 'redis:7.2.4', ports: ['127.0.0.1:6379:6379'] } });
    const r = check('3.13', [loop, inspect()]);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.kind}:${f.status}`).sort()).toEqual(['compose:pass', 'docker-inspect:fail']);
    for (const f of only(r, 'fail')) expect(f.remediation).toBeTruthy();
  });

  describe('debuggers, which never authenticate', () => {
    it('fails the Node inspector bound to 0.0.0.0 and published on all interfaces (compose)', () => {
      const r = check('3.13', compose({
        api: { image: 'node:22-bookworm-slim', command: 'node --inspect=0.0.0.0:9229 server.js', ports: ['8080:8080', '9229:9229'] },
      }));
      const f = expectFailWithFix(r);
      expect(f).toMatchObject({ container: 'api', location: 'services.api.ports[1]' });
      expect(f.message).toMatch(/^Node\.js inspector \(9229\/tcp\) is published on all interfaces \(0\.0\.0\.0:9229\) \(`--inspect=0\.0\.0\.0:9229`\), with no authentication evidence \(the inspector never authenticates/);
      expect(f.remediation).toMatch(/do not start Node with --inspect in production/);
    });

    it('passes the inspector on its default loopback address, even with the port published', () => {
      const r = check('3.13', compose({ api: { image: 'node:22-bookworm-slim', command: 'node --inspect server.js', ports: ['9229:9229'] } }));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.message).toMatch(/listening on loopback inside the container \(`--inspect`\)/);
    });

    it('fails JDWP on every interface from JAVA_TOOL_OPTIONS (docker inspect); address=5005 alone is loopback since JDK 9', () => {
      const jdwp = (address: string) => inspect(
        running('eclipse-temurin:21-jre', ['java', '-jar', '/app/app.jar'],
          [`JAVA_TOOL_OPTIONS=-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=${address}`]),
        published('5005/tcp', ''),
      );
      const f = expectFailWithFix(check('3.13', jdwp('*:5005')));
      expect(f.message).toMatch(/^Java debugger \(JDWP\) \(5005\/tcp\) is published on all interfaces.*JDWP never authenticates/);
      expect(check('3.13', jdwp('5005')).status).toBe('pass');
    });

    it('fails a headless Delve server reached through a NodePort Service (kubernetes)', () => {
      const app = deployment({
        name: 'api',
        containers: [{
          name: 'api', image: 'registry.acme.io/api:debug',
          command: ['dlv', '--listen=:2345', '--headless=true', '--api-version=2', 'exec', '/app/api'],
          ports: [{ containerPort: 8080 }, { containerPort: 2345, name: 'dlv' }],
        }],
      });
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api-debug' },
        spec: { type: 'NodePort', selector: { app: 'api' }, ports: [{ port: 2345, targetPort: 'dlv', nodePort: 30345 }] } };
      const f = expectFailWithFix(check('3.13', kubernetes([app, svc])));
      expect(f.message).toMatch(/^Go debugger \(Delve\) \(2345\/tcp\) is exposed outside the cluster by Service\/api-debug \(NodePort, port 2345, node port 30345\)/);
    });

    it('fails debugpy listening on 0.0.0.0 in the host network; 5678 without debugpy is just a port (n8n)', () => {
      const debugpy = inspect(running('python:3.12-slim', ['python', '-m', 'debugpy', '--listen', '0.0.0.0:5678', '/app/main.py']),
        { Config: { ExposedPorts: {} }, HostConfig: { NetworkMode: 'host', PortBindings: {} }, NetworkSettings: { Ports: {} } });
      const f = expectFailWithFix(check('3.13', debugpy));
      expect(f.message).toMatch(/^Python debugger \(debugpy\) \(5678\/tcp\) is listening on the host network, on all host interfaces \(`--listen 0\.0\.0\.0:5678`\)/);
      const n8n = inspect(running('n8nio/n8n:1.80.0', ['tini', '--', '/docker-entrypoint.sh']), published('5678/tcp', ''));
      expect(check('3.13', n8n).status).toBe('pass');
    });
  });
});
