/**
 * docs/controls.md, rendered from the control modules (`npm run generate`), so the auditor's page
 * and the rules cannot drift apart; a test fails when the committed page is out of date.
 */
import { CONTROLS } from '../../workers/controls/index.ts';
import { deriveEngineVersion } from './engine-version.ts';

export const CONTROLS_DOC = new URL('../../docs/controls.md', import.meta.url);

export function renderControlsDoc(): string {
  const out: string[] = [
    '# How each control of CSVS V3 is decided',
    '',
    `Generated from the control modules in \`workers/controls/\` (engine ${deriveEngineVersion()}); do not edit by hand —`,
    'run `npm run generate`.',
    '',
    'One snapshot is one workload at one moment. Each control gets one status: `fail` when any artifact',
    '(any container in it) shows a violation; `pass` when none does and **every container the snapshot',
    'describes** is shown compliant (or exempt) by some artifact; `unknown` otherwise. `unknown` never',
    'counts as compliant: an auditor cannot attest to what has no evidence. A level is met when every',
    'control of that level is `pass`, or `fail` covered by an active waiver (`waived`).',
    '',
    '**Coverage per container.** The containers are those the artifacts list: each entry of a `docker',
    'inspect` array, each container of a pod template, each Compose service; entries of different artifacts',
    'with the same container name (or Compose service label) are one container. A snapshot that lists no',
    'container (a Dockerfile alone, an image inspect) describes one image, and that image is the unit. A',
    'container one artifact leaves silent stays open until another artifact describes it: the same',
    'container name, or image-level evidence (Dockerfile, image inspect, SBOM, packages) for its image — a',
    'Compose service with `build:` is built from the uploaded Dockerfile (matched by its build path when',
    'there are several), an image inspect matches by `RepoTags`, `RepoDigests` or `Id`, and where every',
    'container runs one image, image-level evidence covers them all. A daemon\'s setting (`docker info`)',
    'covers the containers it runs, a pod\'s the pod\'s containers, a `KubeletConfiguration` the pods, a',
    'process list the one container of a snapshot that has one. Where some containers are shown compliant',
    'and others are not, the control is `unknown` and a finding names each open container and the kinds',
    'that would decide it.',
    '',
    '**A default applies only where the shape carries the field.** Docker\'s defaults (an empty `User` is',
    'root, no `no-new-privileges` allows escalation, `ExecIDs: null` means no session running) are read from',
    '`docker inspect` elements, which carry those fields. The Engine API\'s container *list*',
    '(`GET /containers/json`) and `docker ps --format json` lines are other shapes, accepted under the',
    '`docker-inspect` kind and recognised per element: they speak only to what they carry (image, labels,',
    'ports; the API list also mounts with their mode and the command), and every control that needs a field',
    'they never have (user, security options, read-only root file system, PIDs limit, environment, exec',
    'sessions) gets an `unknown` finding saying so, never a verdict. Likewise an inspect element without',
    '`HostConfig`, `Config` or `ExecIDs`, and an image list entry without `Config`, are no evidence for them.',
    '',
    'Every container counts — init and ephemeral (debug) containers included — except where a control',
    'says otherwise (3.1 allows root during initialisation). An artifact that cannot be read is refused',
    'by the API (nothing is stored); the CLI shows it as an `unknown` finding on every control its kind',
    'could decide.',
    '',
    '| id | title | L1 | L2 | L3 | decided by |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of CONTROLS) {
    const mark = (l: 'L1' | 'L2' | 'L3') => (c.levels.includes(l) ? '✓' : '');
    out.push(`| ${c.id} | ${c.title.en} | ${mark('L1')} | ${mark('L2')} | ${mark('L3')} | ${c.decidedBy.join(', ')} |`);
  }
  for (const c of CONTROLS) {
    out.push(
      '',
      `## ${c.id} ${c.title.en}`,
      '',
      `> ${c.text.en}`,
      '>',
      `> *${c.text.de}*`,
      '',
      `Levels: ${c.levels.join(', ')}. Decided by: ${c.decidedBy.map((k) => `\`${k}\``).join(', ')}.`,
      '',
      c.rules.trim(),
      '',
      `**Remediation.** ${c.remediation}`,
    );
  }
  return `${out.join('\n')}\n`;
}
