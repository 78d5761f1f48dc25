/**
 * The normalised evidence model. Every artifact kind is parsed into these shapes once;
 * controls read only this model, never raw JSON, YAML or Dockerfile text. Adding an
 * artifact kind touches the parsers; adding a control touches one control module.
 *
 * Parsers decide what a format's *defaults* mean (an empty `Config.User` in `docker inspect`
 * is root; an absent `runAsUser` in Kubernetes says nothing), so controls apply the
 * standard's rule to facts whose meaning is already settled.
 */

export const ARTIFACT_KINDS = [
  'dockerfile',
  'docker-inspect',
  'docker-image-inspect',
  'docker-info',
  'kubernetes',
  'compose',
  'signature',
  'sbom',
  'packages',
  'processes',
  'docker-events',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Which artifact a fact came from. */
export interface Source {
  artifact: string;
  kind: ArtifactKind;
}

/**
 * A fact and where it was read. `path` is a JSON pointer (`/0/HostConfig/SecurityOpt`),
 * a YAML path (`spec.template.spec.containers[1].securityContext`) or `line N` — for an
 * absent field, the place where it would have to be written.
 */
export interface Fact<T> {
  value: T;
  path: string;
}

// ---------------------------------------------------------------- Dockerfile

export interface Dockerfile {
  source: Source;
  stages: Stage[];
}

export interface BaseImageRef {
  /** The image as written, e.g. `${BASE}` or `node:20`. */
  raw: string;
  /** After substituting ARGs declared before the first FROM; null when something stays unresolved. */
  resolved: string | null;
  line: number;
  /** `FROM scratch`. */
  scratch: boolean;
  /** Names an earlier stage (`FROM build`), not an external image. */
  stageRef: boolean;
  /** `sha256:<64 hex>` when pinned by digest. */
  digest: string | null;
}

/** One simple command of a RUN line, already split into words (`apt-get`, `install`, `-y`, `curl`). */
export interface ShellCommand {
  argv: string[];
  /** The command's own line (a continuation line of the RUN); `Stage.runLines` tells which RUN it belongs to. */
  line: number;
}

export type PackageManager = 'apt' | 'apk' | 'dnf' | 'yum' | 'microdnf' | 'zypper' | 'pip' | 'npm' | 'gem' | 'other';

export interface PackageInstall {
  manager: PackageManager;
  /** As installed by this command; later removals (`apt-get purge`, `apk del`) are not subtracted here. */
  packages: string[];
  /** The minimising flag of that manager was given (`--no-install-recommends`, `--no-cache`, weak deps off). */
  minimal: boolean;
  line: number;
}

export interface UserCreation {
  /** `useradd`, `adduser`, … */
  tool: string;
  name: string | null;
  uid: number | null;
  line: number;
}

export interface AddInstruction {
  sources: string[];
  /** `--checksum=sha256:…` given. */
  checksum: string | null;
  line: number;
}

export interface Stage {
  index: number;
  name: string | null;
  from: BaseImageRef;
  /** USER instructions of this stage, in order (the last one is effective). */
  users: Fact<string>[];
  /** ENTRYPOINT / CMD as argv (shell form becomes [`/bin/sh`, `-c`, text]). */
  entrypoint: Fact<string[]> | null;
  cmd: Fact<string[]> | null;
  runs: ShellCommand[];
  installs: PackageInstall[];
  userCreations: UserCreation[];
  adds: AddInstruction[];
  copies: { sources: string[]; fromStage: string | null; line: number }[];
  exposes: { port: number; protocol: Protocol; line: number }[];
  env: { name: string; value: string; line: number }[];
  /**
   * ARG declarations of this stage with the value a RUN sees unless the build overrides it (its
   * default, or the global ARG's); null when only the build knows it (`ARG X` without default).
   */
  args: { name: string; value: string | null; line: number }[];
  /**
   * The lines of the stage's RUN instructions, in order. A command belongs to the last RUN that
   * starts at or before its line: the commands of one RUN make one layer.
   */
  runLines: number[];
  /** Line of the FROM instruction, and the last line of the stage. */
  line: number;
  endLine: number;
}

// ---------------------------------------------------------------- running containers

export type Protocol = 'tcp' | 'udp' | 'sctp';
export type Runtime = 'docker' | 'kubernetes' | 'compose';

/** Who a container runs as, once the format's defaults are applied. */
export type UserSetting =
  | { kind: 'root'; raw: string }
  | { kind: 'nonroot'; raw: string }
  /** Not set where this artifact could set it: the image decides. */
  | { kind: 'unset' };

export type SeccompSetting =
  | { kind: 'unconfined' }
  /** A specific profile: Docker's inline profile JSON, Kubernetes `Localhost`, a Compose profile file. */
  | { kind: 'custom'; profile: string }
  /** The runtime's generic default (`RuntimeDefault`, Docker `builtin`). */
  | { kind: 'runtime-default' }
  /** Not set at all: the runtime's default applies. */
  | { kind: 'unset' };

export interface Mount {
  /** Host path for bind mounts and hostPath volumes; null for named/anonymous volumes, tmpfs and the like. */
  hostPath: string | null;
  target: string;
  readOnly: boolean;
  type: 'bind' | 'volume' | 'hostPath' | 'tmpfs' | 'other';
  path: string;
}

export interface Port {
  containerPort: number;
  protocol: Protocol;
  /** Reachable from outside the container's network namespace (published / hostPort). */
  published: boolean;
  /** Host address it is bound to; '' or '0.0.0.0' or '::' mean all interfaces. */
  hostIp: string | null;
  hostPort: number | null;
  path: string;
  /** Kubernetes `ports[].name`: a Service's `targetPort` may name it instead of giving the number. */
  name?: string | null;
}

export interface EnvVar {
  name: string;
  value: string;
  path: string;
  /**
   * Kubernetes `valueFrom`: the value is filled in at run time (`secretKeyRef redis/password`), so the
   * manifest holds none, yet the variable is set. Absent/null for a literal value.
   */
  valueFrom?: string | null;
}

/** The pod a Kubernetes container belongs to. */
export interface PodInfo {
  source: Source;
  /** The object kind and name: `Deployment/checkout-api`. */
  owner: { kind: string; name: string; namespace: string | null };
  /** A `Pod` object (a live snapshot) rather than a template. */
  isPodObject: boolean;
  path: string;
  /** `spec.hostUsers`: false means a user namespace. */
  hostUsers: Fact<boolean | null>;
  hostNetwork: Fact<boolean>;
  hostPathVolumes: { name: string; hostPath: string; path: string; mountedBy: string[] }[];
  ephemeralContainers: Fact<string[]>;
  labels: Record<string, string>;
}

export interface Container {
  source: Source;
  runtime: Runtime;
  name: string;
  /** Docker container id, when known. */
  id: string | null;
  role: 'app' | 'init' | 'ephemeral';
  /** Where the container is described in its artifact. */
  path: string;
  pod: PodInfo | null;
  labels: Record<string, string>;
  image: Fact<string> | null;
  /**
   * Docker: the ID of the image the container was created from (`Image` of `docker inspect`,
   * `ImageID` of the container list); it matches an image inspect's `Id`. Absent/null: not known.
   */
  imageId?: string | null;
  /**
   * Compose: the service is built from a Dockerfile (`build:`); its `image:` then only names the
   * tag the build gets. Absent/null: not built here.
   */
  build?: Fact<{ context: string | null; dockerfile: string | null }> | null;
  /*
   * The settings below are null when the artifact's shape does not carry them at all (the Engine
   * API's container list has no `Config` or `HostConfig`): a default applies only where the shape
   * carries the setting, and a field the shape never has is no evidence (CONTROLS.md).
   */
  user: Fact<UserSetting> | null;
  seccomp: Fact<SeccompSetting> | null;
  /** no-new-privileges in force (Kubernetes: `allowPrivilegeEscalation: false`). Value null: not said. */
  noNewPrivileges: Fact<boolean | null> | null;
  privileged: Fact<boolean> | null;
  /** Value null: not set (the runtime's default, writable, applies); false: set to false. */
  readOnlyRootfs: Fact<boolean | null> | null;
  /** Docker/Compose user namespace mode: 'host' opts out of the daemon's remapping. Null: not said. */
  usernsMode: Fact<string | null> | null;
  /** A positive number is a limit; 0, -1 and null mean unlimited; undefined: this format cannot say. */
  pidsLimit: Fact<number | null> | null;
  /** Null: the shape does not carry mounts (`docker ps` names them without type or mode). */
  mounts: Mount[] | null;
  ports: Port[];
  /** The process the container runs: entrypoint and command joined (null when the image decides). */
  command: Fact<string[]> | null;
  /**
   * Arguments given to the image's own entrypoint when `command` is null (Kubernetes `args`
   * without `command`): flags such as `--requirepass` are visible here although the program is not.
   */
  args?: Fact<string[]> | null;
  /** Null: the shape does not carry the environment (the container list). */
  env: EnvVar[] | null;
  networkMode: Fact<string | null> | null;
  /** Docker: exec sessions running now (`ExecIDs`). */
  execIds: Fact<string[]> | null;
  /**
   * Docker: the HEALTHCHECK command as Docker execs it (`CMD-SHELL x` → [`/bin/sh`, `-c`, x] or
   * `Config.Shell` + x; `CMD a b` → [a, b]); absent/null when none. Health probes show up as
   * `exec_start` events, and 3.10 must not take them for access.
   */
  healthcheck?: Fact<string[]> | null;
  /** Docker: when this instance started, and whether it runs. */
  startedAt: string | null;
  running: boolean | null;
}

// ---------------------------------------------------------------- images, daemon, cluster

export interface ImageConfig {
  source: Source;
  path: string;
  id: string | null;
  repoTags: string[];
  repoDigests: string[];
  user: Fact<UserSetting>;
  exposedPorts: { port: number; protocol: Protocol; path: string }[];
  entrypoint: Fact<string[]> | null;
  cmd: Fact<string[]> | null;
  /** Build history (`docker history`-like `created_by` lines), when present. */
  history: Fact<string>[];
}

export interface DaemonInfo {
  source: Source;
  /** null: the output does not carry `SecurityOptions` (or not as a list), so nothing is known of them. */
  securityOptions: Fact<string[] | null>;
  /** null where `securityOptions` is. */
  userns: boolean | null;
  rootless: boolean | null;
  /** The daemon's default seccomp profile name, e.g. `builtin`. */
  seccompProfile: string | null;
}

export interface KubeletConfig {
  source: Source;
  path: string;
  podPidsLimit: Fact<number | null>;
}

/** An admission policy that verifies image signatures (Kyverno verifyImages, Sigstore ClusterImagePolicy). */
export interface ImagePolicy {
  source: Source;
  engine: 'kyverno' | 'sigstore';
  name: string;
  path: string;
  /** Glob patterns of the images it covers. */
  imagePatterns: string[];
  /** Kyverno: `validationFailureAction: Enforce`; Audit does not block an unsigned image. */
  enforcing: boolean;
}

export interface ServiceExposure {
  source: Source;
  name: string;
  type: string;
  path: string;
  selector: Record<string, string>;
  ports: { port: number; targetPort: number | string | null; nodePort: number | null; protocol: Protocol; path: string }[];
}

// ---------------------------------------------------------------- supply chain and runtime observations

export interface SignatureReport {
  source: Source;
  /** Verified signatures: the manifest digest each covers, and the reference it names. */
  verified: { digest: string | null; reference: string | null; path: string }[];
  /** Errors or failed verifications found in the output. */
  errors: string[];
}

export interface PackageInventory {
  source: Source;
  format: 'cyclonedx' | 'spdx' | 'dpkg' | 'apk' | 'rpm' | 'syft-table' | 'list';
  /**
   * `type`: the package's ecosystem where the list names it (syft's TYPE column: `deb`, `apk`,
   * `rpm`, `npm`, `python`, …); absent when it does not.
   */
  packages: { name: string; version: string | null; path: string; type?: string }[];
  /**
   * Lines of a package list that could not be read as a package (cut to 40 characters): each is
   * a finding of its own, not the rejection of the whole list. Absent: none.
   */
  unreadable?: { path: string; text: string }[];
  /**
   * The container image the inventory describes, when it says so (CycloneDX `metadata.component`
   * of type `container`, SPDX's package with purpose `CONTAINER`): `name` as written
   * (`ghcr.io/acme/shop-web` or with a tag), `version` as written (syft puts the image ID there).
   */
  image?: { name: string; version: string | null } | null;
}

export interface Process {
  user: string;
  pid: number | null;
  ppid: number | null;
  command: string;
  args: string;
  path: string;
}

export interface ProcessList {
  source: Source;
  processes: Process[];
  /**
   * The container the list was read from, when the artifact's name says so: `top NAME` (as the
   * agent names each container's `/top` answer) or `docker top NAME`. Null when it does not.
   */
  container: string | null;
}

export interface ContainerEvent {
  action: string;
  /**
   * Exec events: the command Docker names after the action (`exec_start: /bin/sh -c curl …` →
   * `/bin/sh -c curl …`, trimmed); absent/null otherwise. Health-check probes are told apart by it.
   */
  command?: string | null;
  /**
   * Exec events: the session's id (`Actor.Attributes.execID`, Docker 1.13+); one `docker exec`
   * sends `exec_create`, `exec_start` and `exec_die` with the same id. Absent/null otherwise.
   */
  execId?: string | null;
  containerId: string;
  containerName: string | null;
  /** Milliseconds since the epoch. */
  time: number;
  path: string;
}

export interface EventLog {
  source: Source;
  events: ContainerEvent[];
}

// ---------------------------------------------------------------- the whole

export interface ParsedArtifact {
  source: Source;
  /** Set when the artifact could not be read; it then contributes nothing but this. */
  error: string | null;
  /** Things the parser skipped on purpose (unknown Kubernetes kinds, …), for the record. */
  notes: string[];
  /**
   * The artifact as it was read (text, or parsed JSON), kept by reference so the engine can quote
   * the source of its findings (excerpts) without reading anything again.
   */
  content?: unknown;
  /** The JSON value the parser read from a text `content` (JSON kinds), for the same purpose. */
  json?: unknown;
}

export interface Evidence {
  artifacts: ParsedArtifact[];
  dockerfiles: Dockerfile[];
  containers: Container[];
  pods: PodInfo[];
  images: ImageConfig[];
  daemons: DaemonInfo[];
  kubelets: KubeletConfig[];
  imagePolicies: ImagePolicy[];
  services: ServiceExposure[];
  signatures: SignatureReport[];
  packages: PackageInventory[];
  processes: ProcessList[];
  events: EventLog[];
}

/** What a parser adds to the evidence. */
export type EvidencePart = Partial<Omit<Evidence, 'artifacts'>> & { notes?: string[] };

export function emptyEvidence(): Evidence {
  return {
    artifacts: [],
    dockerfiles: [],
    containers: [],
    pods: [],
    images: [],
    daemons: [],
    kubelets: [],
    imagePolicies: [],
    services: [],
    signatures: [],
    packages: [],
    processes: [],
    events: [],
  };
}
