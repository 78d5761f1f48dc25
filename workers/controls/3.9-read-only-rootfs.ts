/**
 * 3.9: the root file system is mounted read-only. Every runtime's default is a writable root
 * file system, so a setting that is absent fails just like an explicit `false`.
 */
import type { Container, Evidence } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { defineTexts, tx } from '../model/text.ts';
import { type Control, containerFinding, notCarried } from './control.ts';

const T = defineTexts('3.9', {
  fixKubernetes: {
    en: 'Set `securityContext.readOnlyRootFilesystem: true` on container "{name}" and mount an `emptyDir` at each path it must write to (e.g. `/tmp`).',
    de: 'Setzen Sie `securityContext.readOnlyRootFilesystem: true` am Container „{name}“ und binden Sie an jedem Pfad, in den er schreiben muss, ein `emptyDir` ein (z. B. `/tmp`).',
  },
  fixCompose: {
    en: 'Add `read_only: true` to service "{name}" and a `tmpfs:` entry for each path it must write to (e.g. `- /tmp`).',
    de: 'Ergänzen Sie `read_only: true` am Service „{name}“ und einen Eintrag `tmpfs:` für jeden Pfad, in den er schreiben muss (z. B. `- /tmp`).',
  },
  fixDocker: {
    en: 'Run the container with `--read-only` (and `--tmpfs /tmp` for paths it must write to), then recreate it.',
    de: 'Starten Sie den Container mit `--read-only` (und `--tmpfs /tmp` für Pfade, in die er schreiben muss) und erstellen Sie ihn neu.',
  },
  setting: { en: 'the root file system mode (HostConfig.ReadonlyRootfs)', de: 'der Modus des Root-Dateisystems (HostConfig.ReadonlyRootfs)' },
  readOnly: { en: '{name} is true: the root file system is mounted read-only', de: '{name} ist true: das Root-Dateisystem ist schreibgeschützt eingebunden' },
  setFalse: { en: '{name} is set to false: the root file system is writable', de: '{name} ist auf false gesetzt: das Root-Dateisystem ist beschreibbar' },
  notSet: {
    en: '{name} is not set (the default is a writable root file system)',
    de: '{name} ist nicht gesetzt (die Vorgabe ist ein beschreibbares Root-Dateisystem)',
  },
  writable: {
    en: '{seen}; an attacker can change binaries and configuration inside the container',
    de: '{seen}; ein Angreifer kann Programme und Konfiguration im Container ändern',
  },
  remediation: {
    en: 'Mount every container\'s root file system read-only (`--read-only`, Compose `read_only: true`, Kubernetes `readOnlyRootFilesystem: true`) and give it writable volumes (tmpfs, emptyDir) only where it must write.',
    de: 'Binden Sie das Root-Dateisystem jedes Containers schreibgeschützt ein (`--read-only`, Compose `read_only: true`, Kubernetes `readOnlyRootFilesystem: true`) und geben Sie ihm beschreibbare Volumes (tmpfs, emptyDir) nur dort, wo er schreiben muss.',
  },
});

const SETTING: Record<Container['runtime'], string> = {
  docker: 'HostConfig.ReadonlyRootfs',
  kubernetes: 'securityContext.readOnlyRootFilesystem',
  compose: 'read_only',
};

function checkContainer(c: Container): Finding {
  const setting = c.readOnlyRootfs;
  if (setting === null) return notCarried(c, T.setting);
  const name = SETTING[c.runtime];
  if (setting.value === true) return containerFinding(c, 'pass', setting.path, tx(T.readOnly, { name }));
  const seen = tx(setting.value === false ? T.setFalse : T.notSet, { name });
  const fix = c.runtime === 'kubernetes' ? tx(T.fixKubernetes, { name: c.name }) : c.runtime === 'compose' ? tx(T.fixCompose, { name: c.name }) : T.fixDocker;
  return containerFinding(c, 'fail', setting.path, tx(T.writable, { seen }), fix);
}

export const control: Control = {
  id: '3.9',
  levels: ['L2', 'L3'],
  title: { en: 'Read-only root file system', de: 'Schreibgeschütztes Root-Dateisystem' },
  text: {
    en: 'The root file system is mounted read-only.',
    de: 'Stellen Sie sicher, dass das Root-Dateisystem im schreibgeschützten Modus bereitgestellt ist.',
  },
  remediation: T.remediation,
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
