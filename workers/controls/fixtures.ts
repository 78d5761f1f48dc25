/**
 * Artifacts for the control specs, real in shape: `docker inspect` elements recorded from Docker
 * 27 (test/fixtures), Kubernetes objects and Compose files as their formats define them. A case
 * gives only the settings it is about; everything else stays as recorded, so each spec shows
 * what differs and no spec repeats the other fields.
 */
import { readFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { expect } from 'vitest';
import type { ControlResult, Finding } from '../model/result.ts';
import { dedent, type TestArtifact } from './testing.ts';

export type Json = Record<string, unknown>;

/** A file under test/fixtures, as text. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8');
}

/** The findings of one status. */
export function only(result: ControlResult, status: Finding['status']): Finding[] {
  return result.findings.filter((f) => f.status === status);
}

/** Fails when nothing fails, or when a failing finding says nothing about how to fix it. */
export function expectFailFixes(result: ControlResult): void {
  const fails = only(result, 'fail');
  expect(fails.length).toBeGreaterThan(0);
  for (const f of fails) expect(f.remediation, f.message).toMatch(/\S/);
}

/** A Dockerfile written indented with the test code. */
export function dockerfile(text: string): TestArtifact {
  return { kind: 'dockerfile', name: 'Dockerfile', content: dedent(text) };
}

// Docker Engine output -------------------------------------------------------------------------

/** As an override value: leave the key out, as older engines or hand-written output do. */
export const OMIT = Symbol('omit');

/**
 * Changes to a recorded object. Objects at the top (`HostConfig`, `Config`, `State`,
 * `NetworkSettings`) are changed key by key; any other value replaces the recorded one
 * (`PortBindings: {}` leaves no binding). `undefined` keeps the recorded value, {@link OMIT}
 * leaves the key out.
 */
export type Overrides = Record<string, unknown>;

/** A `docker inspect` element: the sections the specs read typed, everything else as recorded. */
export interface InspectContainer extends Json {
  Id: string;
  Name: string;
  HostConfig: Json;
  Config: Json;
  Mounts: Json[];
}

const recorded = new Map<string, unknown>();
function recording<T>(path: string): T {
  if (!recorded.has(path)) recorded.set(path, JSON.parse(fixtureText(path)));
  return structuredClone(recorded.get(path)) as T;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function apply(target: Json, overrides: Overrides, sections: boolean): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = target[key];
    if (value === OMIT) delete target[key];
    else if (sections && isObject(value) && isObject(current)) apply(current, value, false);
    else target[key] = value;
  }
}

function build<T extends Json>(base: T, overrides: readonly Overrides[]): T {
  for (const o of overrides) apply(base, o, true);
  return base;
}

/** `docker run -d --name web -p 8080:80 nginx:1.27`: `Config.User` empty, `SecurityOpt` null, no mounts. */
export function nginxContainer(...overrides: Overrides[]): InspectContainer {
  return build(recording<InspectContainer[]>('docker-inspect/h4-defaults-nginx.json')[0] as InspectContainer, overrides);
}

/**
 * `docker run -d --name cache --restart always -p 6379:6379 -v cache-data:/data redis:7.2.4`,
 * started 2025-06-02T09:00:00.187Z: 6379/tcp on 0.0.0.0 and ::, HEALTHCHECK `redis-cli ping`,
 * `ExecIDs` null, `PidsLimit` null, `ReadonlyRootfs` false.
 */
export function redisContainer(...overrides: Overrides[]): InspectContainer {
  return build(recording<InspectContainer[]>('docker-inspect/h6-cache.json')[0] as InspectContainer, overrides);
}

/** `docker inspect` output (JSON text, as the CLI prints it) of the given containers. */
export function dockerInspect(containers: Json | Json[], name = 'inspect.json'): TestArtifact {
  const list = Array.isArray(containers) ? containers : [containers];
  return { kind: 'docker-inspect', name, content: `${JSON.stringify(list, null, 4)}\n` };
}

/** `docker image inspect postgres:16.8`: `User` empty, `ENTRYPOINT ["docker-entrypoint.sh"]`. */
export function postgresImage(...overrides: Overrides[]): Json {
  return build(recording<Json[]>('docker-image-inspect/h4-postgres.json')[0] as Json, overrides);
}

/** `docker image inspect` output of the given images. */
export function imageInspect(images: Json | Json[], name = 'image.json'): TestArtifact {
  const list = Array.isArray(images) ? images : [images];
  return { kind: 'docker-image-inspect', name, content: `${JSON.stringify(list, null, 4)}\n` };
}

/** `docker info --format '{{json .}}'` of a stock Docker 27 daemon (`SecurityOptions`: apparmor, seccomp builtin, cgroupns). */
export function dockerInfo(overrides: Overrides = {}): TestArtifact {
  return { kind: 'docker-info', name: 'info.json', content: build(recording<Json>('docker-info/h4-stock-daemon.json'), [overrides]) };
}

// Kubernetes and Compose -----------------------------------------------------------------------

/** A container of a pod spec; keys left undefined are left out. */
export interface PodContainer extends Json {
  name: string;
  image: string;
}

export interface PodParts {
  /** Pod spec fields beside the containers: `securityContext`, `hostUsers`, `volumes`, … */
  spec?: Json;
  initContainers?: PodContainer[];
  containers: PodContainer[];
}

export interface WorkloadOptions extends PodParts {
  /** `Deployment` unless given: DaemonSets and StatefulSets have the same template. */
  kind?: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  name: string;
  namespace?: string;
  replicas?: number;
  /** Pod labels beside `app: <name>`, which the selector matches. */
  labels?: Record<string, string>;
}

/** A Deployment (or DaemonSet, StatefulSet) whose template holds the given pod. */
export function deployment(o: WorkloadOptions): Json {
  return {
    apiVersion: 'apps/v1',
    kind: o.kind ?? 'Deployment',
    metadata: { name: o.name, namespace: o.namespace },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.name } },
      template: { metadata: { labels: { app: o.name, ...o.labels } }, spec: podSpec(o) },
    },
  };
}

export interface PodOptions extends PodParts {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** `kubectl debug` adds these to a running Pod object. */
  ephemeralContainers?: PodContainer[];
}

/** A Pod object. */
export function pod(o: PodOptions): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: { ...podSpec(o), ephemeralContainers: o.ephemeralContainers },
  };
}

function podSpec(o: PodParts): Json {
  return { ...o.spec, initContainers: o.initContainers, containers: o.containers };
}

/** YAML text; keys whose value is undefined are left out. */
function yaml(doc: unknown): string {
  return dump(doc, { skipInvalid: true, noRefs: true, lineWidth: -1 });
}

/** A manifest file: the objects as YAML documents, in order. */
export function kubernetes(docs: Json | Json[], name?: string): TestArtifact {
  const list = Array.isArray(docs) ? docs : [docs];
  return { kind: 'kubernetes', name, content: list.map(yaml).join('---\n') };
}

/** A Compose file with the given services (and top-level `volumes`, `networks`, …). */
export function compose(services: Record<string, Json>, top: Json = {}, name = 'compose.yaml'): TestArtifact {
  return { kind: 'compose', name, content: yaml({ services, ...top }) };
}
