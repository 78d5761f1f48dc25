/**
 * 3.9: the root file system is mounted read-only. Every runtime's default is a writable root
 * file system, so a setting that is absent fails just like an explicit `false`.
 */
import type { Container, Evidence } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Control, containerFinding, notCarried } from './control.ts';

function fix(c: Container): string {
  switch (c.runtime) {
    case 'kubernetes':
      return `Set \`securityContext.readOnlyRootFilesystem: true\` on container "${c.name}" and mount an ` +
        '`emptyDir` at each path it must write to (e.g. `/tmp`).';
    case 'compose':
      return `Add \`read_only: true\` to service "${c.name}" and a \`tmpfs:\` entry for each path it must write to ` +
        '(e.g. `- /tmp`).';
    case 'docker':
      return 'Run the container with `--read-only` (and `--tmpfs /tmp` for paths it must write to), then recreate it.';
  }
}

const SETTING: Record<Container['runtime'], string> = {
  docker: 'HostConfig.ReadonlyRootfs',
  kubernetes: 'securityContext.readOnlyRootFilesystem',
  compose: 'read_only',
};

function checkContainer(c: Container): Finding {
  const setting = c.readOnlyRootfs;
  if (setting === null) return notCarried(c, 'the root file system mode (HostConfig.ReadonlyRootfs)');
  if (setting.value === true) {
    return containerFinding(c, 'pass', setting.path, `${SETTING[c.runtime]} is true: the root file system is mounted read-only`);
  }
  const name = SETTING[c.runtime];
  const seen = setting.value === false
    ? `${name} is set to false: the root file system is writable`
    : `${name} is not set (the default is a writable root file system)`;
  return containerFinding(c, 'fail', setting.path,
    `${seen}; an attacker can change binaries and configuration inside the container`, fix(c));
}

export const control: Control = {
  id: '3.9',
  levels: ['L2', 'L3'],
  title: { en: 'Read-only root file system', de: 'Schreibgeschütztes Root-Dateisystem' },
  text: {
    en: 'The root file system is mounted read-only.',
    de: 'Stellen Sie sicher, dass das Root-Dateisystem im schreibgeschützten Modus bereitgestellt ist.',
  },
  remediation:
    'Mount every container\'s root file system read-only (`--read-only`, Compose `read_only: true`, Kubernetes ' +
    '`readOnlyRootFilesystem: true`) and give it writable volumes (tmpfs, emptyDir) only where it must write.',
  rules: [
    '- **docker-inspect**: `HostConfig.ReadonlyRootfs: true` → pass; `false` → fail (Docker\'s default is a ' +
      'writable root file system).',
    '- **The finding says which**: "not set (the default is a writable root file system)" and "set to false" are ' +
      'different observations (one is forgotten, the other chosen), and each finding names the one it saw.',
    '- **kubernetes**: `securityContext.readOnlyRootFilesystem: true` on the container → pass; `false` or absent → ' +
      'fail. The setting exists only per container (there is no pod-level one), and every container counts: init ' +
      'and ephemeral (debug) containers too, since each can change its own file system.',
    '- **compose**: `read_only: true` on the service → pass; `false` or absent → fail.',
    '- **dockerfile / images** say nothing: how the root file system is mounted is decided when the container runs.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'kubernetes', 'compose'],
  evaluate(evidence: Evidence): Finding[] {
    return evidence.containers.map(checkContainer);
  },
};
