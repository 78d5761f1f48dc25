/**
 * Reporting benchmark data (`npm run bench:seed`): 200 teams, 10,000 workloads (one service in
 * 2–3 environments makes 2–3 workloads), 1,000,000 evaluated snapshots over 365 days, stored as
 * production stores them: each distinct artifact text once per team (`contents`), each distinct
 * artifact list once (`artifact_sets`: a Dockerfile and the cluster agent's Kubernetes YAML), each
 * verdict once per set, context and engine version (`evaluations` with their fifteen
 * `control_results`), one small `snapshots` row per upload referring to a set and an evaluation,
 * and the workload_state row of each workload's latest snapshot, plus waivers. Deterministic for
 * a given BENCH_SEED and BENCH_END (default: today, 00:00 UTC).
 *
 * An agent-like year: most uploads repeat the workload's latest artifact set (what the agent sees
 * between deploys) and are observations of its stored verdict. The texts change when a team
 * hardens its Dockerfile or manifests (a new release, staging and dev a week or two ahead of
 * prod), for the odd revert (a build from an older branch, back on the next upload) and while a
 * `kubectl debug` container is attached — each is a changed upload, evaluated, and a change back
 * to a set seen before reuses that set and, in the same workload, its verdict.
 *
 * The results are what the real engine says: every distinct (stack, Dockerfile maturity,
 * manifest maturity, socket mount, `kubectl debug`) combination is evaluated once with `evaluate`, and each
 * evaluation stores that verdict with its own names put in.
 *
 * Idempotent: the bench database's schema is dropped and migrated afresh on every run. Rows go
 * in by COPY in the order production writes them (chronological); indexes and keys are dropped
 * for the load and rebuilt from the migrated definitions afterwards, then VACUUM ANALYZE.
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/csvs_bench; its name must
 * contain "bench" unless BENCH_FORCE=1), BENCH_SEED (default 1), BENCH_SNAPSHOTS (default 1e6; at
 * least ~250,000, what the weekly, sporadic and stale workloads upload by themselves),
 * `--dry-run` prints the plan, the verdict templates and what the year stores (counted, without
 * touching the database).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import postgres from 'postgres';
import { migratePostgres } from '../db/migrate.ts';
import { evaluate } from '../workers/engine/evaluate.ts';
import type { FindingStatus } from '../workers/model/result.ts';
import { CONTROL_IDS } from '../workers/controls/index.ts';
import { ENGINE_VERSION } from '../workers/engine/version.ts';

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/csvs_bench';
/** The team seeded with 1,000 workloads, for the 1,000-workload attestation. */
export const BIG_TEAM = 'platform';
export const TEAMS = 200;
export const WORKLOADS = 10_000;
export const BIG_TEAM_WORKLOADS = 1_000;
export const DAYS = 365;
const SNAPSHOTS = Number(process.env.BENCH_SNAPSHOTS ?? 1_000_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const DAY_MS = 86_400_000;
/** Findings kept per control result (the engine may report more; the brief asks for 1–3). */
const MAX_FINDINGS = 3;

/** Midnight UTC that ends the seeded year: BENCH_END, or the start of today. */
export function benchEnd(): Date {
  const given = process.env.BENCH_END;
  const d = given ? new Date(given) : new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: small, fast, good enough for synthetic data, and the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const rand = rng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => {
  const x = xs[Math.floor(rand() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
};
function weighted<T>(choices: readonly (readonly [T, number])[]): T {
  let r = rand() * choices.reduce((s, [, w]) => s + w, 0);
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  const last = choices[choices.length - 1];
  if (!last) throw new Error('no choices');
  return last[0];
}
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
/** A version-4 UUID from the seeded generator (the service uses random v4 ids too). */
function uuid(): string {
  const h = hex(32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16] ?? '0', 16) & 3] ?? '8';
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// The organisation

const DOMAINS = [
  'payments', 'checkout', 'orders', 'catalog', 'search', 'identity', 'billing', 'ledger', 'fraud', 'shipping',
  'inventory', 'pricing', 'loyalty', 'reviews', 'messaging', 'notifications', 'analytics', 'reporting', 'dataplatform',
  'mlplatform', 'observability', 'edge', 'mobile', 'webshop', 'partners', 'onboarding', 'compliance', 'risk',
  'treasury', 'support', 'content', 'media', 'recommendations', 'ads', 'marketplace', 'subscriptions', 'accounts',
  'tax', 'returns', 'warehouse',
] as const;
const SQUADS = ['core', 'growth', 'apps', 'infra', 'data'] as const;
const COMPONENTS = [
  'api', 'worker', 'web', 'gateway', 'consumer', 'scheduler', 'sync', 'exporter', 'admin', 'graphql', 'events',
  'cache-warmer', 'migrator', 'notifier', 'importer', 'reporter', 'indexer', 'webhooks', 'batch', 'cdc', 'bff',
  'frontend', 'listener', 'projector', 'replicator', 'validator', 'renderer', 'uploader', 'cron', 'grpc',
] as const;
const PLATFORM_AREAS = [
  'auth', 'build', 'deploy', 'registry', 'gitops', 'secrets', 'dns', 'ingress', 'mesh', 'logs', 'metrics', 'traces',
  'alerts', 'backup', 'queue', 'cache', 'dbproxy', 'scanner', 'runner', 'artifacts', 'quota', 'billing', 'audit',
] as const;
const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
/** Days an environment runs ahead of prod: changes reach dev first, then staging. */
const LEAD: Record<Environment, number> = { prod: 0, staging: 7, dev: 14 };

const STACKS = ['node', 'python', 'go', 'java', 'nginx'] as const;
type Stack = (typeof STACKS)[number];
type Cadence = 'daily' | 'weekly' | 'sporadic' | 'stale';

interface Team {
  id: string;
  slug: string;
  name: string;
  /** How keenly the team hardens its services: the chance that each next maturity step happens this year. */
  engagement: number;
}

interface Service {
  team: Team;
  name: string;
  stack: Stack;
  /** Days (0…DAYS-1) at which the Dockerfile / the manifest reach their next maturity stage. */
  dockerfileSteps: number[];
  dockerfileStart: number;
  manifestSteps: number[];
  manifestStart: number;
  /** Mounts the Docker socket until its manifest reaches stage 2 (CI runners, log shippers). */
  socket: boolean;
  /** The service's artifact sets by stages (`d:k:debug`); its environments share them. */
  sets: Map<string, ArtifactSet>;
}

interface Workload {
  service: Service;
  environment: Environment;
  cadence: Cadence;
  start: number;
  /** The days it uploads on, ascending. */
  days: number[];
  uploads: number;
  /** The latest upload: what an unchanged upload re-observes. */
  last: { id: string; observedAt: Date; set: ArtifactSet; evaluation: Evaluation } | null;
  /** The workload's verdicts by set key (a set seen again reuses its verdict: same set, context and engine). */
  evaluations: Map<string, Evaluation>;
}

function buildTeams(): Team[] {
  const slugs: string[] = [BIG_TEAM];
  for (const squad of SQUADS) for (const domain of DOMAINS) if (slugs.length < TEAMS) slugs.push(`${domain}-${squad}`);
  return slugs.map((slug) => ({
    id: uuid(),
    slug,
    name: slug
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' '),
    engagement: weighted([
      [0.9, 3],
      [0.6, 4],
      [0.3, 2],
      [0.1, 1],
    ]),
  }));
}

function steps(start: number, engagement: number): number[] {
  const out: number[] = [];
  for (let stage = start; stage < 3; stage++) if (rand() < engagement) out.push(int(0, DAYS - 1));
  return out.sort((a, b) => a - b);
}

function buildService(team: Team, name: string): Service {
  const dockerfileStart = weighted([
    [0, 35],
    [1, 35],
    [2, 25],
    [3, 5],
  ] as const);
  const manifestStart = weighted([
    [0, 40],
    [1, 35],
    [2, 20],
    [3, 5],
  ] as const);
  return {
    team,
    name,
    stack: pick(STACKS),
    dockerfileStart,
    dockerfileSteps: steps(dockerfileStart, team.engagement),
    manifestStart,
    manifestSteps: steps(manifestStart, team.engagement),
    socket: rand() < 0.04,
    sets: new Map(),
  };
}

/** Each team's workloads: services in 2–3 environments until the team's share is reached. */
function buildWorkloads(teams: readonly Team[]): Workload[] {
  const out: Workload[] = [];
  const others = teams.length - 1;
  teams.forEach((team, t) => {
    const target =
      team.slug === BIG_TEAM
        ? BIG_TEAM_WORKLOADS
        : Math.floor((WORKLOADS - BIG_TEAM_WORKLOADS) / others) + (t - 1 < (WORKLOADS - BIG_TEAM_WORKLOADS) % others ? 1 : 0);
    const domain = team.slug === BIG_TEAM ? null : team.slug.split('-')[0];
    const names: string[] = [];
    if (domain) for (const c of COMPONENTS) names.push(`${domain}-${c}`);
    else for (const area of PLATFORM_AREAS) for (const c of COMPONENTS) names.push(`${area}-${c}`);
    let count = 0;
    for (const name of names) {
      if (count >= target) break;
      const service = buildService(team, name);
      const envs = Math.min(rand() < 0.5 ? 2 : 3, target - count);
      for (const environment of ENVIRONMENTS.slice(0, envs)) {
        out.push({ service, environment, cadence: 'daily', start: 0, days: [], uploads: 0, last: null, evaluations: new Map() });
        count++;
      }
    }
    if (count < target) throw new Error(`team ${team.slug}: not enough service names for ${target} workloads`);
  });
  return out;
}

/**
 * Upload days. Weekly, sporadic and stale workloads get theirs by their pattern; the daily ones
 * then share what is left of the target, so the total is exact: they upload on most days of
 * their span (CI on every merge day), evenly spread with jitter.
 */
function schedule(workloads: Workload[], target: number): void {
  for (const w of workloads) {
    w.cadence = weighted([
      ['daily', 35],
      ['weekly', 40],
      ['sporadic', 17],
      ['stale', 8],
    ] as const);
    w.start = rand() < 0.8 ? 0 : int(30, 330);
    if (w.cadence === 'stale') w.start = Math.min(w.start, 200);
  }
  let fixed = 0;
  for (const w of workloads) {
    if (w.cadence === 'daily') continue;
    const days: number[] = [];
    if (w.cadence === 'weekly') {
      for (let d = w.start + int(0, 6); d < DAYS; d += 7) if (rand() > 0.05) days.push(Math.min(DAYS - 1, Math.max(0, d + int(-1, 1))));
    } else if (w.cadence === 'sporadic') {
      for (let d = w.start + int(0, 10); d < DAYS; d += int(3, 20)) days.push(d);
    } else {
      // Stopped uploading more than STALE_AFTER_DAYS (30) ago: decommissioned, or a broken pipeline.
      const stop = int(w.start + 20, DAYS - 35);
      for (let d = w.start + int(0, 6); d <= stop; d += int(5, 9)) days.push(d);
    }
    w.days = [...new Set(days)].sort((a, b) => a - b);
    fixed += w.days.length;
  }
  const daily = workloads.filter((w) => w.cadence === 'daily');
  const span = daily.reduce((s, w) => s + (DAYS - w.start), 0);
  const remaining = target - fixed;
  if (remaining < 0 || remaining > span) throw new Error(`cannot place ${target} snapshots (fixed ${fixed}, daily span ${span})`);
  let given = 0;
  daily.forEach((w, i) => {
    const length = DAYS - w.start;
    const n = i === daily.length - 1 ? remaining - given : Math.min(length, Math.round((length * remaining) / span));
    given += n;
    const chosen = new Set<number>();
    for (let k = 0; k < n; k++) chosen.add(w.start + Math.min(length - 1, Math.floor(((k + rand()) * length) / n)));
    for (let d = DAYS - 1; chosen.size < n && d >= w.start; d--) chosen.add(d);
    w.days = [...chosen].sort((a, b) => a - b);
  });
  const total = workloads.reduce((s, w) => s + w.days.length, 0);
  if (total !== target) throw new Error(`scheduled ${total} snapshots, wanted ${target}`);
}

// ---------------------------------------------------------------------------------------------
// Artifacts: realistic texts per stack and maturity stage (0 = careless … 3 = hardened)

const BASES: Record<Stack, { image: string; slim: string; digest: string; run: string; port: number; build: string; user: string }> = {
  node: { image: 'node:20-bookworm', slim: 'node:20.18.1-bookworm-slim', digest: 'sha256:3b2d1f09c1a6e4b7d8f0e2c4a6b8d0f2e4c6a8b0d2f4e6c8a0b2d4f6e8c0a2b4', run: 'node dist/server.js', port: 3000, build: 'npm ci --omit=dev', user: 'node' },
  python: { image: 'python:3.12-bookworm', slim: 'python:3.12.7-slim-bookworm', digest: 'sha256:7f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', run: 'gunicorn -b 0.0.0.0:8000 app.main:app', port: 8000, build: 'pip install --no-cache-dir -r requirements.txt', user: 'app' },
  go: { image: 'golang:1.23-bookworm', slim: 'gcr.io/distroless/static-debian12:nonroot', digest: 'sha256:e8a4044e0b4ae4257efa45fc026c0bc30ad320d43bd4c1a7d5271bd241e386d0', run: '/app/server', port: 8080, build: 'go build -trimpath -o /out/server ./cmd/server', user: 'nonroot' },
  java: { image: 'eclipse-temurin:21-jdk', slim: 'eclipse-temurin:21.0.5_11-jre-jammy', digest: 'sha256:1c0a5a4d0f2b9e8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c', run: 'java -jar /app/app.jar', port: 8080, build: './gradlew --no-daemon bootJar', user: 'app' },
  nginx: { image: 'nginx:latest', slim: 'nginxinc/nginx-unprivileged:1.27.3-alpine', digest: 'sha256:9d2f3a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f', run: 'nginx -g "daemon off;"', port: 8080, build: 'npm run build', user: 'nginx' },
};

/** The service's Dockerfile at a maturity stage; `version` changes with every build. */
export function dockerfile(stack: Stack, stage: number, service: string, version: string): string {
  const b = BASES[stack];
  const label = `LABEL org.opencontainers.image.title="${service}" org.opencontainers.image.version="${version}"`;
  if (stage === 0) {
    return [
      `FROM ${stack === 'nginx' ? 'nginx:latest' : b.image.replace(/:.*/, ':latest')}`,
      label,
      'WORKDIR /app',
      'ADD . /app',
      'RUN apt-get update && apt-get install -y curl vim openssh-server netcat-openbsd',
      `RUN ${b.build}`,
      `EXPOSE ${b.port} 22`,
      `CMD ${b.run}`,
      '',
    ].join('\n');
  }
  if (stage === 1) {
    return [
      `FROM ${b.image}`,
      label,
      'WORKDIR /app',
      'COPY . /app',
      'RUN apt-get update \\',
      ' && apt-get install -y curl ca-certificates \\',
      ' && rm -rf /var/lib/apt/lists/*',
      `RUN ${b.build}`,
      `EXPOSE ${b.port}`,
      `CMD ${b.run}`,
      '',
    ].join('\n');
  }
  const from = stage === 3 ? `${b.slim}@${b.digest}` : b.slim;
  return [
    '# syntax=docker/dockerfile:1.7',
    `FROM ${stage === 3 ? `${b.image}@${b.digest}` : b.image} AS build`,
    'WORKDIR /src',
    'COPY . .',
    `RUN ${b.build}`,
    '',
    `FROM ${from}`,
    label,
    'WORKDIR /app',
    ...(stage === 3 && stack !== 'go'
      ? [`RUN ${stack === 'nginx' ? 'addgroup -S -g 10001 app && adduser -S -u 10001 -G app app' : 'groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app'}`]
      : []),
    `COPY --from=build --chown=${stage === 3 ? '10001:10001' : b.user} /src /app`,
    `USER ${stage === 3 ? '10001:10001' : b.user}`,
    `EXPOSE ${b.port}`,
    `CMD ${b.run}`,
    '',
  ].join('\n');
}

/**
 * What the cluster agent uploads for the service at a maturity stage (`kubectl get deploy,pod -o
 * yaml` plus the cluster policies that apply): 0 the Deployment alone; 1 with its running Pod and
 * no privilege escalation; 2 read-only, RuntimeDefault seccomp, capabilities dropped, a Kyverno
 * image policy in Audit mode; 3 user namespace, a Localhost seccomp profile, the image by digest,
 * the policy enforced and the kubelet's podPidsLimit. `debug`: someone ran `kubectl debug` on it.
 */
export function manifest(stack: Stack, stage: number, socket: boolean, team: string, service: string, version: string, debug = false): string {
  const b = BASES[stack];
  const image = stage === 3 ? `registry.example.com/${team}/${service}@${b.digest}` : `registry.example.com/${team}/${service}:${stage === 0 ? 'latest' : version}`;
  const mountSocket = socket && stage < 2;
  const podSpec = (indent: string): string[] =>
    [
      ...(stage >= 2
        ? [
            'securityContext:',
            '  runAsNonRoot: true',
            '  runAsUser: 10001',
            '  seccompProfile:',
            ...(stage === 3 ? ['    type: Localhost', `    localhostProfile: profiles/${service}.json`] : ['    type: RuntimeDefault']),
          ]
        : []),
      ...(stage === 3 ? ['hostUsers: false', 'automountServiceAccountToken: false'] : []),
      'containers:',
      '  - name: app',
      `    image: ${image}`,
      '    ports:',
      `      - containerPort: ${b.port}`,
      '        name: http',
      ...(stage >= 1 ? ['    securityContext:', '      allowPrivilegeEscalation: false'] : []),
      ...(stage === 1 ? ['      runAsNonRoot: true'] : []),
      ...(stage >= 2 ? ['      readOnlyRootFilesystem: true', '      capabilities:', '        drop: ["ALL"]'] : []),
      ...(stage >= 2 ? ['    resources:', '      limits:', '        cpu: "1"', '        memory: 512Mi'] : []),
      ...(mountSocket || stage >= 2 ? ['    volumeMounts:'] : []),
      ...(stage >= 2 ? ['      - name: tmp', '        mountPath: /tmp'] : []),
      ...(mountSocket ? ['      - name: docker-sock', '        mountPath: /var/run/docker.sock'] : []),
      ...(mountSocket || stage >= 2 ? ['volumes:'] : []),
      ...(stage >= 2 ? ['  - name: tmp', '    emptyDir: {}'] : []),
      ...(mountSocket ? ['  - name: docker-sock', '    hostPath:', '      path: /var/run/docker.sock', '      type: Socket'] : []),
    ].map((l) => indent + l);
  const docs = [
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: ${service}`,
      `  namespace: ${team}`,
      '  labels:',
      `    app.kubernetes.io/name: ${service}`,
      `    app.kubernetes.io/version: "${version}"`,
      'spec:',
      '  replicas: 2',
      '  selector:',
      '    matchLabels:',
      `      app.kubernetes.io/name: ${service}`,
      '  template:',
      '    metadata:',
      '      labels:',
      `        app.kubernetes.io/name: ${service}`,
      '    spec:',
      ...podSpec('      '),
    ],
  ];
  if (stage >= 1) {
    docs.push([
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      `  name: ${service}-7c9f8d6b5d-q4m2x`,
      `  namespace: ${team}`,
      '  labels:',
      `    app.kubernetes.io/name: ${service}`,
      'spec:',
      ...podSpec('  '),
      ...(debug ? ['  ephemeralContainers:', '    - name: debugger-x7k2p', '      image: busybox:1.36', '      targetContainerName: app'] : []),
      'status:',
      '  phase: Running',
    ]);
  }
  if (stage >= 2) {
    docs.push([
      'apiVersion: kyverno.io/v1',
      'kind: ClusterPolicy',
      'metadata:',
      '  name: verify-image-signatures',
      'spec:',
      `  validationFailureAction: ${stage === 3 ? 'Enforce' : 'Audit'}`,
      '  rules:',
      '    - name: require-cosign-keyless',
      '      match:',
      '        any:',
      '          - resources:',
      '              kinds: ["Pod"]',
      '      verifyImages:',
      '        - imageReferences:',
      '            - "registry.example.com/*"',
      '          attestors:',
      '            - entries:',
      '                - keyless:',
      `                    subject: "https://ci.example.com/${team}/*"`,
      '                    issuer: "https://token.actions.githubusercontent.com"',
    ]);
  }
  if (stage === 3) {
    docs.push(['apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration', 'podPidsLimit: 4096', 'seccompDefault: true', 'readOnlyPort: 0']);
  }
  return `${docs.map((d) => d.join('\n')).join('\n---\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Verdict templates: the engine's real output, evaluated once per combination

/** Placeholders evaluated in place of the real names, swapped in per evaluation. */
const PH = { team: 'zzteamx', service: 'zzsvcx', version: '97.98.99', evaluation: '00000000-0000-4000-8000-0000000000ff' } as const;
const PH_PATTERN = /zzteamx|zzsvcx|97\.98\.99|00000000-0000-4000-8000-0000000000ff/g;

interface Template {
  key: string;
  statuses: Record<string, FindingStatus>;
  /** The fifteen control_results COPY lines with placeholders for evaluation id and names. */
  copyLines: string;
  /** Whether copyLines mentions a name (otherwise only the evaluation id needs replacing). */
  named: boolean;
  /** The statuses as evaluations.statuses and workload_state.statuses hold them, COPY-escaped. */
  statusesJson: string;
}

const templates = new Map<string, Template>();

function template(stack: Stack, d: number, k: number, socket: boolean, debug: boolean): Template {
  const key = `${stack}:${d}:${k}:${socket ? 's' : '-'}${debug ? 'd' : '-'}`;
  const hit = templates.get(key);
  if (hit) return hit;
  const result = evaluate({
    workload: PH.service,
    artifacts: [
      { kind: 'dockerfile', name: 'Dockerfile', content: dockerfile(stack, d, PH.service, PH.version) },
      { kind: 'kubernetes', name: 'k8s/cluster-state.yaml', content: manifest(stack, k, socket, PH.team, PH.service, PH.version, debug) },
    ],
  });
  const statuses: Record<string, FindingStatus> = {};
  const lines: string[] = [];
  for (const c of result.controls) {
    const status: FindingStatus = c.status === 'waived' ? 'fail' : c.status;
    statuses[c.id] = status;
    lines.push(`${PH.evaluation}\t${c.id}\t${status}\t${copyText(JSON.stringify(c.findings.slice(0, MAX_FINDINGS)))}\n`);
  }
  const copyLines = lines.join('');
  const t: Template = { key, statuses, copyLines, named: /zzteamx|zzsvcx|97\.98\.99/.test(copyLines), statusesJson: copyText(JSON.stringify(statuses)) };
  templates.set(key, t);
  return t;
}

/** COPY text format: backslash, tab, newline and carriage return escaped. */
function copyText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** The stage in force on `day`: the start stage plus the steps taken by then (environments run ahead). */
function stageAt(start: number, stepDays: readonly number[], day: number): number {
  let stage = start;
  for (const s of stepDays) if (s <= day) stage++;
  return Math.min(3, stage);
}

// ---------------------------------------------------------------------------------------------
// Artifact sets and verdicts, each stored once

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One distinct artifact list of a service, as `artifact_sets` keeps it (created on first upload). */
interface ArtifactSet {
  key: string;
  d: number;
  k: number;
  debug: boolean;
  version: string;
  texts: { kind: string; name: string; content: string; sha256: string }[];
  /** services/ingest.ts `artifactSetHash`: sha256(kind):sha256(name):sha256(content), joined by commas, hashed. */
  hash: string;
  /** `artifact_sets.artifacts`, COPY-escaped. */
  artifactsJson: string;
  /** The `"artifacts":[…]` part of the upload's canonical JSON (services/ingest.ts `hashUpload`). */
  uploadJson: string;
  /** Set when its first upload stores it. */
  id: string | null;
}

/** A stored verdict: one per set, workload context and engine version. */
interface Evaluation {
  id: string;
  evaluatedAt: Date;
  template: Template;
}

/**
 * The service's artifacts at these stages. The release deployed is named by them: the same stages
 * are the same texts (a revert or a detached debugger gets back a set seen before).
 */
function artifactSet(s: Service, d: number, k: number, debug: boolean): ArtifactSet {
  const key = `${d}:${k}:${debug ? 'd' : '-'}`;
  const hit = s.sets.get(key);
  if (hit) return hit;
  const version = `1.${d * 4 + k}.0`;
  const files = [
    { kind: 'dockerfile', name: 'Dockerfile', content: dockerfile(s.stack, d, s.name, version) },
    { kind: 'kubernetes', name: 'k8s/cluster-state.yaml', content: manifest(s.stack, k, s.socket, s.team.slug, s.name, version, debug) },
  ];
  const texts = files.map((f) => ({ ...f, sha256: sha256(f.content) }));
  const set: ArtifactSet = {
    key,
    d,
    k,
    debug,
    version,
    texts,
    hash: sha256(texts.map((t) => `${sha256(t.kind)}:${sha256(t.name)}:${t.sha256}`).join(',')),
    artifactsJson: copyText(JSON.stringify(texts.map((t) => ({ kind: t.kind, name: t.name, size: Buffer.byteLength(t.content), sha256: t.sha256 })))),
    uploadJson: `"artifacts":${JSON.stringify(files)}`,
    id: null,
  };
  s.sets.set(key, set);
  return set;
}

// ---------------------------------------------------------------------------------------------
// Loading

class CopyStream {
  private buffer: string[] = [];
  private size = 0;
  rows = 0;
  /** Characters of COPY text written. */
  chars = 0;
  /** Null: count only (`--dry-run`). */
  private readonly w: Writable | null;
  constructor(w: Writable | null) {
    this.w = w;
  }
  async write(lines: string, rows: number): Promise<void> {
    this.rows += rows;
    this.chars += lines.length;
    if (!this.w) return;
    this.buffer.push(lines);
    this.size += lines.length;
    if (this.size >= 1 << 18) await this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (this.w && !this.w.write(chunk)) await once(this.w, 'drain');
  }
  async end(): Promise<void> {
    if (!this.w) return;
    if (this.size > 0) await this.flush();
    const done = once(this.w, 'finish');
    this.w.end();
    await done;
  }
}

interface Constraint {
  table: string;
  name: string;
  type: string;
  def: string;
}

const BULK_TABLES = ['snapshots', 'contents', 'artifact_sets', 'evaluations', 'control_results', 'workload_state'];

/** Drops the keys and indexes of the bulk tables, returning how to rebuild them exactly as migrated. */
async function dropIndexes(sql: postgres.Sql): Promise<{ constraints: Constraint[]; indexes: string[] }> {
  const constraints = await sql<Constraint[]>`
    select conrelid::regclass::text as table, conname as name, contype as type, pg_get_constraintdef(oid) as def
    from pg_constraint
    where contype in ('p', 'u', 'f')
      and (conrelid::regclass::text = any(${BULK_TABLES}) or confrelid::regclass::text = any(${BULK_TABLES}))`;
  const names = constraints.map((c) => c.name);
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename = any(${BULK_TABLES}) and not (indexname = any(${names}))`;
  for (const c of constraints.filter((x) => x.type === 'f')) await sql.unsafe(`alter table ${c.table} drop constraint "${c.name}"`);
  for (const c of constraints.filter((x) => x.type !== 'f')) await sql.unsafe(`alter table ${c.table} drop constraint "${c.name}"`);
  for (const i of indexes) await sql.unsafe(`drop index "${i.name}"`);
  return { constraints, indexes: indexes.map((i) => i.def) };
}

async function rebuildIndexes(sql: postgres.Sql, saved: { constraints: Constraint[]; indexes: string[] }): Promise<void> {
  await sql`set maintenance_work_mem = '1GB'`;
  for (const c of saved.constraints.filter((x) => x.type !== 'f')) {
    const t0 = Date.now();
    await sql.unsafe(`alter table ${c.table} add constraint "${c.name}" ${c.def}`);
    console.log(`  ${c.table}: ${c.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  for (const def of saved.indexes) {
    const t0 = Date.now();
    await sql.unsafe(def);
    console.log(`  ${def.replace(/ USING btree/, '').slice(0, 110)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  for (const c of saved.constraints.filter((x) => x.type === 'f')) {
    const t0 = Date.now();
    await sql.unsafe(`alter table ${c.table} add constraint "${c.name}" ${c.def} not valid`);
    await sql.unsafe(`alter table ${c.table} validate constraint "${c.name}"`);
    console.log(`  ${c.table}: ${c.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const JUSTIFICATIONS = [
  'Image signing is being rolled out with the new registry (PLAT-412); until then images are only pulled from the internal registry.',
  'The cluster runs Kubernetes 1.29 without user-namespace support; the upgrade is planned for Q3.',
  'Vendor image runs as root by design; compensated by a restrictive NetworkPolicy and read-only mounts.',
  'Process-count limits are set on the node (kubelet podPidsLimit) rather than per workload.',
  'Legacy service scheduled for decommissioning; accepted risk until the migration to the new platform.',
  'Custom seccomp profile in review by security engineering (SEC-1187); RuntimeDefault breaks the JVM agent.',
] as const;
const APPROVERS = ['ciso@example.com', 'security-lead@example.com', 'auditor@example.com', 'head-of-platform@example.com'] as const;
const WAIVED_CONTROLS = ['3.7', '3.2', '3.14', '3.4', '3.6', '3.3'] as const;

function waiverRows(teams: readonly Team[], workloads: readonly Workload[], end: Date) {
  const rows: Record<string, unknown>[] = [];
  for (const team of teams) {
    if (rand() < 0.4) continue;
    const services = [...new Set(workloads.filter((w) => w.service.team === team).map((w) => w.service.name))];
    for (let i = int(1, 3); i > 0; i--) {
      const created = new Date(end.getTime() - int(1, 300) * DAY_MS - int(0, 86_399) * 1000);
      const expires = new Date(created.getTime() + int(30, 365) * DAY_MS);
      const scope = weighted([
        ['*', 3],
        [`${(pick(services) ?? 'x').split('-')[0]}-*`, 3],
        [pick(services), 4],
      ]);
      const revoked = rand() < 0.1 ? new Date(Math.min(end.getTime() - DAY_MS, created.getTime() + int(1, 60) * DAY_MS)) : null;
      rows.push({
        id: uuid(),
        team_id: team.id,
        control_id: pick(WAIVED_CONTROLS),
        workloads: scope,
        environment: rand() < 0.3 ? 'prod' : null,
        justification: pick(JUSTIFICATIONS),
        approved_by: pick(APPROVERS),
        created_at: created,
        expires_at: expires,
        revoked_at: revoked,
        revoked_by: revoked ? pick(APPROVERS) : null,
      });
    }
  }
  return rows;
}

function plan() {
  const end = benchEnd();
  const teams = buildTeams();
  const workloads = buildWorkloads(teams);
  schedule(workloads, SNAPSHOTS);
  return { end, teams, workloads };
}

function describe(p: ReturnType<typeof plan>): void {
  const by = (c: Cadence) => p.workloads.filter((w) => w.cadence === c);
  console.log(`seed ${SEED}, year ending ${p.end.toISOString()}: ${p.teams.length} teams, ${p.workloads.length} workloads, ${SNAPSHOTS} snapshots`);
  for (const c of ['daily', 'weekly', 'sporadic', 'stale'] as const) {
    const ws = by(c);
    console.log(`  ${c.padEnd(8)} ${String(ws.length).padStart(5)} workloads, ${String(ws.reduce((s, w) => s + w.days.length, 0)).padStart(7)} snapshots`);
  }
}

async function seed(): Promise<void> {
  const url = new URL(BENCH_DATABASE_URL);
  if (!url.pathname.includes('bench') && process.env.BENCH_FORCE !== '1') {
    throw new Error(`refusing to wipe ${url.pathname.slice(1)}: the bench database's name must contain "bench" (or set BENCH_FORCE=1)`);
  }
  const started = Date.now();
  const p = plan();
  describe(p);
  if (process.argv.includes('--dry-run')) {
    for (const stack of STACKS) for (let d = 0; d <= 3; d++) for (let k = 0; k <= 3; k++) template(stack, d, k, false, false);
    for (const t of templates.values()) console.log(t.key.padEnd(14), CONTROL_IDS.map((id) => (t.statuses[id] ?? '?').charAt(0)).join(''));
    await load(null, p);
    return;
  }

  await ensureDatabase(url);
  // One connection per COPY stream (five at once) and one to spare.
  const sql = postgres(BENCH_DATABASE_URL, { max: 6, onnotice: () => {} });
  try {
    console.log('resetting the schema and migrating …');
    await sql`drop schema if exists public cascade`;
    await sql`drop schema if exists drizzle cascade`;
    await sql`create schema public`;
    await migratePostgres(BENCH_DATABASE_URL);
    const saved = await dropIndexes(sql);

    const created = new Date(p.end.getTime() - (DAYS + 30) * DAY_MS);
    await sql`insert into teams ${sql(p.teams.map((t) => ({ id: t.id, slug: t.slug, name: t.name, created_at: created })))}`;
    // Each team's agent uploads with an ingest key of its own (the key itself is never stored).
    await sql`insert into api_keys ${sql(
      p.teams.map((t) => {
        const key = agentKey(t);
        return { id: key.id, prefix: `csvs_${key.hash.slice(0, 8)}`, hash: key.hash, role: 'ingest', team_id: t.id, name: `agent ${t.slug}`, created_by: 'bench', created_at: created };
      }),
    )}`;
    await load(sql, p);

    console.log('rebuilding keys and indexes …');
    await rebuildIndexes(sql, saved);
    const waivers = waiverRows(p.teams, p.workloads, p.end);
    await sql`insert into waivers ${sql(waivers)}`;
    console.log(`${waivers.length} waivers; VACUUM ANALYZE …`);
    await sql`vacuum analyze`;
    const [size] = await sql<{ size: string; bytes: string }[]>`
      select pg_size_pretty(pg_database_size(current_database())) as size, pg_database_size(current_database())::text as bytes`;
    const tables = await sql<{ name: string; rows: string; heap: string; indexes: string }[]>`
      select c.relname as name, c.reltuples::bigint::text as rows,
             pg_size_pretty(pg_table_size(c.oid)) as heap, pg_size_pretty(pg_indexes_size(c.oid)) as indexes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' order by pg_total_relation_size(c.oid) desc limit 8`;
    for (const t of tables) console.log(`  ${t.name.padEnd(16)} ${t.rows.padStart(9)} rows  table ${t.heap.padStart(8)}  indexes ${t.indexes.padStart(8)}`);
    console.log(`done in ${((Date.now() - started) / 60_000).toFixed(1)} min; database ${size?.size ?? '?'} (${size?.bytes ?? '?'} bytes)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function ensureDatabase(url: URL): Promise<void> {
  const name = url.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Where the agent uploads from: its cluster per environment (the Idempotency-Key names it). */
const CLUSTERS: Record<Environment, string> = { prod: 'prod-eu-1', staging: 'staging-eu-1', dev: 'dev-eu-1' };
const AGENT = 'csvs-agent/0.1.0';

/** Each team's agent's ingest key (what snapshots.uploaded_by names), derived from the team: no draw from the generator. */
function agentKey(team: Team): { id: string; hash: string } {
  const h = sha256(`bench agent key ${team.id}`);
  return { id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`, hash: sha256(`csvs_${h}`) };
}

/**
 * Streams the year in observation order, as production would have written it upload by upload:
 * each upload's snapshot row, and what it stores for the first time (texts, set, verdict); then
 * the latest states. With `sql` null (`--dry-run`) it only counts.
 */
async function load(sql: postgres.Sql | null, p: ReturnType<typeof plan>): Promise<void> {
  const out = {
    contents: new CopyStream(sql ? await sql`copy contents (team_id, sha256, content, size) from stdin`.writable() : null),
    sets: new CopyStream(sql ? await sql`copy artifact_sets (id, team_id, hash, artifacts, redactions, created_at) from stdin`.writable() : null),
    evaluations: new CopyStream(
      sql ? await sql`copy evaluations (id, team_id, set_id, engine_version, context_hash, context, statuses, evaluated_at) from stdin`.writable() : null,
    ),
    results: new CopyStream(sql ? await sql`copy control_results (evaluation_id, control_id, status, findings) from stdin`.writable() : null),
    snapshots: new CopyStream(
      sql
        ? await sql`copy snapshots (id, team_id, workload, environment, observed_at, received_at, ci, content_hash, idempotency_key, status, engine_version, evaluated_at, attempts, uploaded_by, set_id, evaluation_id) from stdin`.writable()
        : null,
    ),
  };
  const byDay: Workload[][] = Array.from({ length: DAYS }, () => []);
  for (const w of p.workloads) for (const d of w.days) byDay[d]?.push(w);
  const keys = new Map(p.teams.map((t) => [t.id, agentKey(t).id]));
  // What redaction records for these uploads (nothing found): kept on the set, so the snapshot rows hold null.
  const redactions = copyText(JSON.stringify({ total: 0, byKind: {}, items: [] }));
  const storedTexts = new Set<string>();
  const t0 = Date.now();
  let done = 0;
  let changed = 0;
  for (let day = 0; day < DAYS; day++) {
    const dayStart = p.end.getTime() - (DAYS - day) * DAY_MS;
    const today = (byDay[day] ?? []).map((w) => ({ w, at: dayStart + int(6 * 3600, 20 * 3600) * 1000 + int(0, 999) })).sort((a, b) => a.at - b.at);
    for (const { w, at } of today) {
      const s = w.service;
      const lead = day + LEAD[w.environment];
      let d = stageAt(s.dockerfileStart, s.dockerfileSteps, lead);
      const k = stageAt(s.manifestStart, s.manifestSteps, lead);
      // The odd revert: a build from an older branch.
      if (d > 0 && rand() < 0.03) d--;
      // Someone attached `kubectl debug` (gone again by the next upload).
      const debug = k >= 1 && rand() < 0.02;
      w.uploads++;
      const set = artifactSet(s, d, k, debug);
      const id = uuid();
      const observedAt = new Date(at);
      const receivedAt = new Date(at + int(2, 40) * 1000);
      let evaluation = w.last?.set === set ? w.last.evaluation : undefined;
      if (!evaluation) {
        // A changed upload: new texts and set stored once per team, a verdict once per set and context.
        changed++;
        if (set.id === null) {
          set.id = uuid();
          for (const t of set.texts) {
            const key = `${s.team.id}:${t.sha256}`;
            if (storedTexts.has(key)) continue;
            storedTexts.add(key);
            await out.contents.write(`${s.team.id}\t${t.sha256}\t${copyText(t.content)}\t${Buffer.byteLength(t.content)}\n`, 1);
          }
          await out.sets.write(`${set.id}\t${s.team.id}\t${set.hash}\t${set.artifactsJson}\t${redactions}\t${receivedAt.toISOString()}\n`, 1);
        }
        evaluation = w.evaluations.get(set.key);
        if (!evaluation) {
          const t = template(s.stack, d, k, s.socket, debug);
          evaluation = { id: uuid(), evaluatedAt: new Date(receivedAt.getTime() + int(20, 900)), template: t };
          w.evaluations.set(set.key, evaluation);
          // As services/evaluations.ts storeVerdict hashes it: this key order, no history (no Docker containers).
          const context = JSON.stringify({ workload: s.name, environment: w.environment, history: [] });
          await out.evaluations.write(
            `${evaluation.id}\t${s.team.id}\t${set.id}\t${ENGINE_VERSION}\t${sha256(context)}\t${copyText(context)}\t${t.statusesJson}\t${evaluation.evaluatedAt.toISOString()}\n`,
            1,
          );
          const names: Record<string, string> = { [PH.team]: s.team.slug, [PH.service]: s.name, [PH.version]: set.version, [PH.evaluation]: evaluation.id };
          await out.results.write(t.named ? t.copyLines.replace(PH_PATTERN, (m) => names[m] ?? m) : t.copyLines.replaceAll(PH.evaluation, evaluation.id), 15);
        }
      }
      // The agent's upload (workers/agent/kubernetes.ts): its round's time, its metadata, its Idempotency-Key.
      const observed = observedAt.toISOString();
      const host = CLUSTERS[w.environment];
      const idempotencyKey = `csvs-agent-${sha256(`${host}\n${observed}\n${s.name}`)}`;
      const ci = { agent: AGENT, host, round: observed, idempotencyId: idempotencyKey };
      // services/ingest.ts hashUpload: {workload, environment, observedAt, ci, artifacts}.
      const contentHash = `sha256:${sha256(`${JSON.stringify({ workload: s.name, environment: w.environment, observedAt: observed, ci }).slice(0, -1)},${set.uploadJson}}`)}`;
      await out.snapshots.write(
        `${id}\t${s.team.id}\t${s.name}\t${w.environment}\t${observed}\t${receivedAt.toISOString()}\t${copyText(JSON.stringify(ci))}\t${contentHash}\t${idempotencyKey}\tevaluated\t${ENGINE_VERSION}\t${evaluation.evaluatedAt.toISOString()}\t0\t${keys.get(s.team.id)}\t${set.id}\t${evaluation.id}\n`,
        1,
      );
      w.last = { id, observedAt, set, evaluation };
      done++;
      if (done % 100_000 === 0) {
        const rate = done / ((Date.now() - t0) / 1000);
        console.log(`  ${done.toLocaleString('en')} snapshots, ${changed.toLocaleString('en')} changed, ${Math.round(rate)} snapshots/s, ETA ${Math.round((SNAPSHOTS - done) / rate)} s`);
      }
    }
  }
  await Promise.all(Object.values(out).map((o) => o.end()));
  const pct = (n: number) => `${((100 * n) / Math.max(1, done)).toFixed(1)} %`;
  console.log(
    `${done.toLocaleString('en')} uploads in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${(done - changed).toLocaleString('en')} unchanged (${pct(done - changed)}), ${changed.toLocaleString('en')} changed (${pct(changed)})`,
  );
  console.log(
    `  stored once: ${out.contents.rows.toLocaleString('en')} texts (${mb(out.contents.chars)}), ${out.sets.rows.toLocaleString('en')} artifact sets, ${out.evaluations.rows.toLocaleString('en')} evaluations, ${out.results.rows.toLocaleString('en')} control results (${mb(out.results.chars)}); ${templates.size} distinct verdict templates`,
  );
  // COPY again, not sql(rows): postgres.js would JSON-encode a JSON text a second time (a jsonb string, not an object).
  const states = new CopyStream(sql ? await sql`copy workload_state (team_id, workload, environment, snapshot_id, observed_at, statuses) from stdin`.writable() : null);
  for (const w of p.workloads) {
    if (!w.last) continue;
    await states.write(`${w.service.team.id}\t${w.service.name}\t${w.environment}\t${w.last.id}\t${w.last.observedAt.toISOString()}\t${w.last.evaluation.template.statusesJson}\n`, 1);
  }
  await states.end();
  console.log(`  ${states.rows} workload states`);
}

const mb = (chars: number) => `${(chars / 1e6).toFixed(0)} MB of COPY text`;

if (import.meta.main) await seed();
