/**
 * Data for the dashboard tests, put in through the API like any client would: five teams with display
 * names (one that never uploaded, one whose only workload is stale), keys, snapshots backfilled over
 * the last weeks (one workload improving, one gone stale) and a waiver.
 */
import { type Harness, uniqueSlug } from '../support/harness.ts';

const DAY = 86_400_000;

/** A Node service built as root with ADD: fails 3.3 and 3.11 among others. */
const DOCKERFILE_BEFORE = `FROM node:22-bookworm-slim
WORKDIR /app
ADD app.tar.gz /app/
RUN npm ci --omit=dev
EXPOSE 8080
CMD ["node", "/app/server.js"]
`;

/** The same service fixed: a dedicated user, COPY, pinned base image. */
const DOCKERFILE_AFTER = `FROM node:22-bookworm-slim@sha256:2f3c6e1fd0d8b4c1a4a8f0d2bd3c9e7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c
WORKDIR /app
COPY --chown=10001:10001 dist/ /app/
RUN useradd --uid 10001 --no-create-home app
USER app
EXPOSE 8080
CMD ["node", "/app/server.js"]
`;

interface Facts {
  user: string;
  readOnly: boolean;
  privileged: boolean;
  pids: number | null;
  socket: boolean;
  /** A container-specific seccomp profile (3.4). */
  seccomp: boolean;
  /** Add `docker info` of a daemon that remaps users (3.2). */
  userns: boolean;
}

function inspect(name: string, o: Facts) {
  const securityOpt = o.privileged ? null : ['no-new-privileges:true', ...(o.seccomp ? [`seccomp=/etc/docker/seccomp/${name}.json`] : [])];
  return [
    {
      Id: `${name.replace(/[^a-f0-9]/g, 'a').padEnd(12, 'b')}0123456789abcdef0123456789abcdef0123456789abcdef0123`.slice(0, 64),
      Created: '2026-11-20T09:00:00.000000000Z',
      Path: 'node',
      Args: ['/app/server.js'],
      State: { Status: 'running', Running: true, StartedAt: '2026-11-20T09:00:01.000000000Z' },
      Image: 'sha256:5c2e0f6ce4a1f1e6d2b8b8bd4a0b7f3f7c1f1f0c6d8e2a4b3c5d7e9f1a2b3c4d',
      Name: `/${name}-1`,
      HostConfig: {
        Binds: o.socket ? ['/var/run/docker.sock:/var/run/docker.sock'] : null,
        NetworkMode: 'bridge',
        PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] },
        Privileged: o.privileged,
        ReadonlyRootfs: o.readOnly,
        SecurityOpt: securityOpt,
        UsernsMode: '',
        PidsLimit: o.pids,
      },
      Mounts: o.socket ? [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: '', RW: true, Propagation: 'rprivate' }] : [],
      Config: {
        User: o.user,
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
        Cmd: ['node', '/app/server.js'],
        Entrypoint: null,
        Image: `registry.example.com/${name}:1.4.2`,
        ExposedPorts: { '8080/tcp': {} },
        Labels: {},
      },
      NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } },
      ExecIDs: null,
    },
  ];
}

/** What `docker info` says about user namespaces on a daemon started with `--userns-remap`. */
const DOCKER_INFO = {
  ID: '5e7b2c1a-9f3d-4e8b-a6c2-1d0f9e8b7a6c',
  ServerVersion: '27.3.1',
  SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=userns'],
  DockerRootDir: '/var/lib/docker/100000.100000',
};

const GOOD: Facts = { user: '10001', readOnly: true, privileged: false, pids: 200, socket: false, seccomp: false, userns: true };
const BAD: Facts = { user: '', readOnly: false, privileged: true, pids: null, socket: true, seccomp: false, userns: false };

export interface Seeded {
  teams: { good: string; bad: string; third: string; empty: string; fifth: string };
  /** Display names by slug. */
  names: Record<string, string>;
  keys: { auditor: string; viewer: string; viewerKeyId: string; otherViewer: string };
  /** The workload that improved over time, with its oldest and newest snapshot ids. */
  improved: { workload: string; environment: string; before: string; after: string };
  staleWorkload: string;
  waiverId: string;
}

/** Seeds through the API; observedAt relative to `now` so the data is fresh whenever it runs. */
export async function seed(h: Harness, o: { now?: Date; prettySlugs?: boolean } = {}): Promise<Seeded> {
  const now = o.now ?? new Date();
  // Screenshots read better with plain slugs; a shared database may hold them already.
  const team = async (slug: string, name: string) => {
    if (o.prettySlugs) {
      const res = await h.request('/v1/teams', { method: 'POST', json: { slug, name } });
      if (res.status === 201) return slug;
    }
    const unique = uniqueSlug(slug);
    const res = await h.request('/v1/teams', { method: 'POST', json: { slug: unique, name } });
    if (res.status !== 201) throw new Error(`team creation failed: ${res.status} ${await res.text()}`);
    return unique;
  };
  const good = await team('payments', 'Payments');
  const bad = await team('search', 'Search & Discovery');
  const third = await team('identity', 'Identity and Access');
  const empty = await team('platform', 'Platform Engineering');
  const fifth = await team('data', 'Data Pipelines');
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString();
  const upload = async (team: string, workload: string, daysAgo: number, dockerfile: string, facts: Facts) => {
    const res = await h.request(`/v1/teams/${team}/snapshots`, {
      method: 'POST',
      json: {
        workload,
        environment: 'prod',
        observedAt: at(daysAgo),
        ci: { commit: `c0ffee${daysAgo.toString(16).padStart(2, '0')}`, ref: 'main', pipelineUrl: `https://ci.example.com/checkout/pipelines/${4000 - daysAgo}` },
        artifacts: [
          { kind: 'dockerfile', name: 'Dockerfile', content: dockerfile },
          { kind: 'docker-inspect', name: 'inspect.json', content: inspect(workload, facts) },
          ...(facts.userns ? [{ kind: 'docker-info', name: 'info.json', content: DOCKER_INFO }] : []),
        ],
      },
    });
    if (res.status !== 201) throw new Error(`seeding ${workload} failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };

  const before = await upload(good, 'checkout-api', 20, DOCKERFILE_BEFORE, BAD);
  await upload(good, 'checkout-api', 12, DOCKERFILE_BEFORE, { ...GOOD, pids: null, userns: false });
  const after = await upload(good, 'checkout-api', 2, DOCKERFILE_AFTER, GOOD);
  await upload(good, 'cart-api', 16, DOCKERFILE_BEFORE, { ...GOOD, readOnly: false });
  await upload(good, 'cart-api', 6, DOCKERFILE_AFTER, { ...GOOD, readOnly: false });
  await upload(good, 'payment-gateway', 25, DOCKERFILE_AFTER, { ...GOOD, userns: false });
  await upload(good, 'payment-gateway', 4, DOCKERFILE_AFTER, { ...GOOD, seccomp: true });
  await upload(good, 'legacy-batch', 45, DOCKERFILE_BEFORE, BAD);
  await upload(bad, 'search-api', 22, DOCKERFILE_BEFORE, BAD);
  await upload(bad, 'search-api', 1, DOCKERFILE_BEFORE, { ...BAD, privileged: false });
  await upload(bad, 'indexer', 3, DOCKERFILE_AFTER, { ...GOOD, socket: true });
  await upload(third, 'auth-api', 27, DOCKERFILE_BEFORE, { ...GOOD, userns: false });
  await upload(third, 'auth-api', 8, DOCKERFILE_AFTER, GOOD);
  await upload(third, 'session-store', 14, DOCKERFILE_AFTER, { ...GOOD, userns: false });
  // A team whose only workload was uploaded long ago: listed, all of it stale.
  await upload(fifth, 'nightly-etl', 40, DOCKERFILE_AFTER, GOOD);

  const waiver = await h.request(`/v1/teams/${good}/waivers`, {
    method: 'POST',
    json: {
      control: '3.4',
      workloads: 'checkout-*',
      environment: 'prod',
      justification: 'A specific seccomp profile is being written with the vendor; tracked in SEC-1234',
      expiresAt: new Date(now.getTime() + 10 * DAY).toISOString(),
    },
  });
  if (waiver.status !== 201) throw new Error(`waiver failed: ${waiver.status} ${await waiver.text()}`);

  const auditor = await h.key('auditor');
  const viewer = await h.key('viewer', good);
  const otherViewer = await h.key('viewer', bad);
  return {
    teams: { good, bad, third, empty, fifth },
    names: { [good]: 'Payments', [bad]: 'Search & Discovery', [third]: 'Identity and Access', [empty]: 'Platform Engineering', [fifth]: 'Data Pipelines' },
    keys: { auditor: auditor.key, viewer: viewer.key, viewerKeyId: viewer.id, otherViewer: otherViewer.key },
    improved: { workload: 'checkout-api', environment: 'prod', before, after },
    staleWorkload: 'legacy-batch',
    waiverId: ((await waiver.json()) as { id: string }).id,
  };
}
