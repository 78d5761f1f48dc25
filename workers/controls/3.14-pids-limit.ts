/**
 * 3.14: the number of processes in a container is limited (`--pids-limit`). Without a limit a
 * fork bomb in one container exhausts the host's PIDs and takes every other container down.
 * 0, -1 and "not set" all mean unlimited, in Docker, Compose and the kubelet alike.
 */
import type { Container, Evidence, KubeletConfig, PodInfo } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { type Text, defineTexts, tx } from '../model/text.ts';
import { type Control, containerFinding, finding, notCarried } from './control.ts';

const T = defineTexts('3.14', {
  noLimit: { en: 'no PIDs limit set (unlimited)', de: 'keine PID-Grenze gesetzt (unbegrenzt)' },
  unlimited: { en: 'PIDs limit {value} means unlimited', de: 'PID-Grenze {value} bedeutet unbegrenzt' },
  setting: { en: 'the PIDs limit (HostConfig.PidsLimit)', de: 'die PID-Grenze (HostConfig.PidsLimit)' },
  limited: { en: 'process count limited to {value} PIDs', de: 'Prozessanzahl auf {value} PIDs begrenzt' },
  fixCompose: {
    en: 'Add `pids_limit: 200` (or `deploy.resources.limits.pids: 200`) to service "{name}", sized to what it needs.',
    de: 'Ergänzen Sie `pids_limit: 200` (oder `deploy.resources.limits.pids: 200`) am Service „{name}“, bemessen nach seinem Bedarf.',
  },
  fixDocker: {
    en: 'Recreate the container with `--pids-limit 200` (sized to what it needs).',
    de: 'Erstellen Sie den Container mit `--pids-limit 200` neu (bemessen nach seinem Bedarf).',
  },
  forkBomb: {
    en: '{what}: a fork bomb in this container can exhaust the host\'s process table',
    de: '{what}: eine Fork-Bombe in diesem Container kann die Prozesstabelle des Hosts erschöpfen',
  },
  kubeletLimits: {
    en: 'KubeletConfiguration limits every pod to {value} PIDs (podPidsLimit)',
    de: 'KubeletConfiguration begrenzt jeden Pod auf {value} PIDs (podPidsLimit)',
  },
  kubeletUnset: {
    en: 'KubeletConfiguration: podPidsLimit not set, the default -1 is unlimited',
    de: 'KubeletConfiguration: podPidsLimit nicht gesetzt, die Vorgabe -1 ist unbegrenzt',
  },
  kubeletUnlimited: {
    en: 'KubeletConfiguration: podPidsLimit {value} means unlimited',
    de: 'KubeletConfiguration: podPidsLimit {value} bedeutet unbegrenzt',
  },
  fixKubelet: {
    en: 'Set `podPidsLimit: 1024` (sized to the largest pod) in the KubeletConfiguration of every node.',
    de: 'Setzen Sie `podPidsLimit: 1024` (bemessen nach dem größten Pod) in der KubeletConfiguration jedes Nodes.',
  },
  podNote: {
    en: '{owner}: a pod spec cannot limit PIDs; the kubelet\'s podPidsLimit decides (upload the KubeletConfiguration)',
    de: '{owner}: eine Pod-Spec kann PIDs nicht begrenzen; das podPidsLimit des Kubelets entscheidet (laden Sie die KubeletConfiguration hoch)',
  },
  remediation: {
    en: 'Give every container a PIDs limit sized to its needs: `docker run --pids-limit N`, Compose `pids_limit: N`, Kubernetes `podPidsLimit: N` in the KubeletConfiguration.',
    de: 'Geben Sie jedem Container eine PID-Grenze nach seinem Bedarf: `docker run --pids-limit N`, Compose `pids_limit: N`, Kubernetes `podPidsLimit: N` in der KubeletConfiguration.',
  },
});

function describeUnlimited(value: number | null): Text {
  return value === null ? T.noLimit : tx(T.unlimited, { value });
}

function checkContainer(c: Container): Finding[] {
  // Kubernetes pod specs cannot set a PIDs limit; the kubelet does (see checkKubelet).
  if (c.runtime === 'kubernetes') return [];
  const limit = c.pidsLimit;
  // Null: this artifact's shape cannot say (the container list); no default applies.
  if (limit === null) return [notCarried(c, T.setting)];
  const value = limit.value;
  const path = limit.path;
  if (value !== null && value > 0) return [containerFinding(c, 'pass', path, tx(T.limited, { value }))];
  const fix = c.runtime === 'compose' ? tx(T.fixCompose, { name: c.name }) : T.fixDocker;
  return [containerFinding(c, 'fail', path, tx(T.forkBomb, { what: describeUnlimited(value) }), fix)];
}

/** The kubelet's limit applies to every pod of its node; the snapshot's pods are taken to run there. */
function checkKubelet(k: KubeletConfig, pods: readonly Container[]): Finding {
  const value = k.podPidsLimit.value;
  if (value !== null && value > 0) {
    return finding(k.source, 'pass', k.podPidsLimit.path, tx(T.kubeletLimits, { value }), { covers: pods });
  }
  return finding(k.source, 'fail', k.podPidsLimit.path, value === null ? T.kubeletUnset : tx(T.kubeletUnlimited, { value }),
    { remediation: T.fixKubelet });
}

/** Noted once per pod when no kubelet configuration was uploaded: the pod spec alone cannot tell. */
function podNote(pod: PodInfo): Finding {
  return finding(pod.source, 'unknown', pod.path, tx(T.podNote, { owner: `${pod.owner.kind}/${pod.owner.name}` }));
}

export const control: Control = {
  id: '3.14',
  levels: ['L3'],
  title: { en: 'Process count limited', de: 'Prozessanzahl begrenzt' },
  text: {
    en: 'The number of processes allowed in a container is defined and limited to that value (`--pids-limit`).',
    de: 'Stellen Sie sicher, dass die Anzahl der zulässigen Prozesse in einem Container genau definiert und auf ' +
      'diesen Wert begrenzt ist, indem Sie "--pids-limit" verwenden.',
  },
  remediation: T.remediation,
  rules: [
    '- **docker-inspect**: `HostConfig.PidsLimit` > 0 → pass; `null`, `0` or `-1` → fail (all three mean ' +
      'unlimited to Docker).',
    '- **compose**: `pids_limit` or `deploy.resources.limits.pids` > 0 → pass; absent, `0` or `-1` → fail.',
    '- **kubernetes**: a `KubeletConfiguration` with `podPidsLimit` > 0 → pass; absent (default `-1`), `0` or ' +
      '`-1` → fail. A pod spec cannot set a PIDs limit, so pod specs alone say nothing (an `unknown` note per pod ' +
      'when no KubeletConfiguration was uploaded).',
    '- **docker-info** says nothing: its `PidsLimit: true` means the kernel supports PIDs limits, not that any is set.',
  ].join('\n'),
  decidedBy: ['docker-inspect', 'compose', 'kubernetes'],
  evaluate(evidence: Evidence): Finding[] {
    const findings = evidence.containers.flatMap(checkContainer);
    const pods = evidence.containers.filter((c) => c.runtime === 'kubernetes');
    findings.push(...evidence.kubelets.map((k) => checkKubelet(k, pods)));
    if (evidence.kubelets.length === 0) findings.push(...evidence.pods.map(podNote));
    return findings;
  },
};
