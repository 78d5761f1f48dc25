/**
 * 3.11: Dockerfiles use COPY instead of ADD unless the source is fully trusted. ADD does more
 * than copy: it unpacks local archives (a crafted tarball writes wherever it likes) and fetches
 * URLs and git repositories at build time, taking whatever the server returns. A source counts
 * as trusted only when the Dockerfile pins its content: `--checksum=sha256:…` for a download,
 * a full commit SHA for a git repository.
 */
import type { AddInstruction, Dockerfile, Evidence, Fact, ImageConfig } from '../model/evidence.ts';
import type { Finding } from '../model/result.ts';
import { EMPTY, type Text, defineTexts, joinTexts, tx } from '../model/text.ts';
import { type Control, finding } from './control.ts';

type SourceKind = 'local' | 'url' | 'git' | 'inline';

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHA256_CHECKSUM = /^sha256:[0-9a-f]{64}$/i;

/**
 * How BuildKit reads an ADD source: `git@…`, `git://` and `ssh://` are git, and so is an
 * http(s) URL whose path ends in `.git`; other http(s) URLs are downloads; a heredoc (`<<EOF`)
 * is content written in the Dockerfile itself; the rest is the build context.
 */
function sourceKind(src: string): SourceKind {
  const s = src.trim();
  if (s.startsWith('<<')) return 'inline';
  if (/^(git@|git:\/\/|ssh:\/\/)/i.test(s)) return 'git';
  if (/^https?:\/\//i.test(s)) {
    const path = s.split(/[#?]/)[0] ?? s;
    return /\.git\/?$/i.test(path) ? 'git' : 'url';
  }
  return 'local';
}

/** The commit a git source is pinned to: a full SHA as `#<sha>[:subdir]` or `?ref=`/`commit=`/`checksum=`. */
function gitPinnedCommit(src: string, checksum: string | null): string | null {
  if (checksum && FULL_COMMIT.test(checksum)) return checksum;
  const hash = src.indexOf('#');
  if (hash >= 0) {
    const ref = (src.slice(hash + 1).split(':')[0] ?? '').trim();
    if (FULL_COMMIT.test(ref)) return ref;
  }
  const query = /[?&](?:ref|commit|checksum)=([0-9a-fA-F]+)(?:&|#|$)/.exec(src);
  if (query?.[1] && FULL_COMMIT.test(query[1])) return query[1];
  return null;
}

const T = defineTexts('3.11', {
  inline: { en: '`{src}` is content written in the Dockerfile itself', de: '`{src}` ist Inhalt, der im Dockerfile selbst steht' },
  local: {
    en: '`{src}` is a local file or folder: COPY does the same without ADD\'s implicit archive unpacking',
    de: '`{src}` ist eine lokale Datei oder ein Ordner: COPY tut dasselbe ohne das implizite Entpacken von Archiven durch ADD',
  },
  urlPinned: { en: '`{src}` is pinned by --checksum={checksum}…', de: '`{src}` ist per --checksum={checksum}… festgelegt' },
  urlUnpinned: {
    en: '`{src}` is downloaded without `--checksum=sha256:…`: whatever the server returns goes into the image',
    de: '`{src}` wird ohne `--checksum=sha256:…` heruntergeladen: was der Server liefert, landet im Image',
  },
  gitPinned: { en: 'git source `{src}` is pinned to commit {commit}…', de: 'Git-Quelle `{src}` ist auf Commit {commit}… festgelegt' },
  gitUnpinned: {
    en: 'git source `{src}` follows a branch or tag, not a full commit SHA: it can change under the same name',
    de: 'Git-Quelle `{src}` folgt einem Branch oder Tag, keinem vollständigen Commit-SHA: sie kann sich unter demselben Namen ändern',
  },
  fixLocal: {
    en: 'Use `COPY {src} <dest>`; for an archive, COPY it and unpack it explicitly in a RUN (`tar -xf`).',
    de: 'Verwenden Sie `COPY {src} <dest>`; ein Archiv kopieren Sie mit COPY und entpacken es ausdrücklich in einem RUN (`tar -xf`).',
  },
  fixUrl: {
    en: 'Pin the download: `ADD --checksum=sha256:<sha256 of the file> {src} <dest>` (or fetch it with curl in a RUN and check it with `sha256sum -c`).',
    de: 'Legen Sie den Download fest: `ADD --checksum=sha256:<sha256 der Datei> {src} <dest>` (oder laden Sie ihn mit curl in einem RUN und prüfen ihn mit `sha256sum -c`).',
  },
  fixInline: { en: 'Use `COPY {src} <dest>`.', de: 'Verwenden Sie `COPY {src} <dest>`.' },
  fixGit: {
    en: 'Pin the commit: `ADD {repo}#<full 40-character commit SHA> <dest>` (or `ADD --checksum=<full commit SHA> …`).',
    de: 'Legen Sie den Commit fest: `ADD {repo}#<vollständiger 40-stelliger Commit-SHA> <dest>` (oder `ADD --checksum=<vollständiger Commit-SHA> …`).',
  },
  addPinned: { en: 'ADD from a pinned source: {verdicts}', de: 'ADD aus einer festgelegten Quelle: {verdicts}' },
  addUnpinned: { en: 'ADD {verdicts}', de: 'ADD {verdicts}' },
  noAddCopies: { en: 'no ADD instruction: all {count} file transfers use COPY', de: 'keine ADD-Anweisung: alle {count} Dateiübernahmen nutzen COPY' },
  noAdd: { en: 'no ADD instruction', de: 'keine ADD-Anweisung' },
  historyHashed: {
    en: 'build history shows `ADD {src} in {dest}`: a local file or archive added with ADD (by this image or a base image)',
    de: 'die Build-Historie zeigt `ADD {src} in {dest}`: eine lokale Datei oder ein Archiv, mit ADD hinzugefügt (von diesem Image oder einem Basisimage)',
  },
  fixHashed: {
    en: 'Use COPY for local files; unpack archives explicitly in a RUN.',
    de: 'Verwenden Sie COPY für lokale Dateien; entpacken Sie Archive ausdrücklich in einem RUN.',
  },
  pinnedHere: { en: '{text} (the Dockerfile in this snapshot pins it)', de: '{text} (das Dockerfile in diesem Snapshot legt sie fest)' },
  historyPinned: { en: 'build history: ADD from a pinned source: {verdicts}', de: 'Build-Historie: ADD aus einer festgelegten Quelle: {verdicts}' },
  noChecksumRecorded: {
    en: ' (BuildKit does not record --checksum in the history; upload the Dockerfile to show it)',
    de: ' (BuildKit hält --checksum in der Historie nicht fest; laden Sie das Dockerfile hoch, um es zu zeigen)',
  },
  historyUnpinned: { en: 'build history shows ADD {verdicts}{note}', de: 'die Build-Historie zeigt ADD {verdicts}{note}' },
  historyClean: {
    en: 'build history ({count} entries) shows no ADD beyond the base image\'s root file system',
    de: 'die Build-Historie ({count} Einträge) zeigt kein ADD außer dem Root-Dateisystem des Basisimages',
  },
  remediation: {
    en: 'Use COPY for files from the build context. Where ADD fetches a remote source, pin its content: `ADD --checksum=sha256:<hash> <url> <dest>` for downloads, a full commit SHA (`#<sha>` or `--checksum=<sha>`) for git.',
    de: 'Verwenden Sie COPY für Dateien aus dem Build-Kontext. Wo ADD eine entfernte Quelle lädt, legen Sie deren Inhalt fest: `ADD --checksum=sha256:<hash> <url> <dest>` für Downloads, einen vollständigen Commit-SHA (`#<sha>` oder `--checksum=<sha>`) für Git.',
  },
});

interface Verdict {
  ok: boolean;
  text: Text;
}

function judgeSource(src: string, checksum: string | null): Verdict {
  const kind = sourceKind(src);
  if (kind === 'inline') return { ok: true, text: tx(T.inline, { src }) };
  if (kind === 'local') return { ok: false, text: tx(T.local, { src }) };
  if (kind === 'url') {
    if (checksum && SHA256_CHECKSUM.test(checksum)) return { ok: true, text: tx(T.urlPinned, { src, checksum: checksum.slice(0, 19) }) };
    return { ok: false, text: tx(T.urlUnpinned, { src }) };
  }
  const commit = gitPinnedCommit(src, checksum);
  if (commit) return { ok: true, text: tx(T.gitPinned, { src, commit: commit.slice(0, 12) }) };
  return { ok: false, text: tx(T.gitUnpinned, { src }) };
}

const FIX: Record<SourceKind, (src: string) => Text> = {
  local: (src) => tx(T.fixLocal, { src }),
  url: (src) => tx(T.fixUrl, { src }),
  inline: (src) => tx(T.fixInline, { src }),
  git: (src) => tx(T.fixGit, { repo: src.split('#')[0] ?? src }),
};

function fixes(bad: readonly { src: string }[]): Text {
  return joinTexts(bad.map((v) => FIX[sourceKind(v.src)](v.src)), ' ');
}

function checkAdd(df: Dockerfile, add: AddInstruction): Finding {
  const verdicts = add.sources.map((src) => ({ src, ...judgeSource(src, add.checksum) }));
  const bad = verdicts.filter((v) => !v.ok);
  const at = `line ${add.line}`;
  if (bad.length === 0) return finding(df.source, 'pass', at, tx(T.addPinned, { verdicts: joinTexts(verdicts.map((v) => v.text), '; ') }));
  return finding(df.source, 'fail', at, tx(T.addUnpinned, { verdicts: joinTexts(bad.map((v) => v.text), '; ') }), { remediation: fixes(bad) });
}

function checkDockerfile(df: Dockerfile): Finding[] {
  const adds = df.stages.flatMap((s) => s.adds);
  if (df.stages.length === 0) return [];
  if (adds.length === 0) {
    const copies = df.stages.reduce((n, s) => n + s.copies.length, 0);
    return [finding(df.source, 'pass', `line ${df.stages[0]?.line ?? 1}`, copies > 0 ? tx(T.noAddCopies, { count: copies }) : T.noAdd)];
  }
  return adds.map((add) => checkAdd(df, add));
}

// ---------------------------------------------------------------- image history

interface HistoryAdd {
  sources: string[];
  dest: string;
  checksum: string | null;
  /** The classic builder records a content hash (`file:…`, `dir:…`), not the source. */
  hashed: boolean;
}

/**
 * An `ADD` in an image's build history: the classic builder writes `/bin/sh -c #(nop) ADD
 * file:<hash> in <dest>`, BuildKit `ADD <src>… <dest> # buildkit` (without `--checksum`, which it
 * does not record).
 */
function readHistoryAdd(createdBy: string): HistoryAdd | null {
  const text = createdBy.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/\s*# buildkit\s*$/, '').trim();
  if (!/^ADD\s/i.test(text)) return null;
  const words = text.slice(4).trim().split(/\s+/).filter(Boolean);
  let checksum: string | null = null;
  const rest: string[] = [];
  for (const w of words) {
    const flag = /^--([a-z-]+)(?:=(.*))?$/i.exec(w);
    if (flag) {
      if (flag[1]?.toLowerCase() === 'checksum') checksum = flag[2] ?? null;
      continue;
    }
    rest.push(w);
  }
  const classic = rest.length === 3 && rest[1] === 'in' && /^(file|dir|multi):/.test(rest[0] ?? '');
  if (classic) return { sources: [rest[0] ?? ''], dest: rest[2] ?? '', checksum, hashed: true };
  if (rest.length < 2) return null;
  return { sources: rest.slice(0, -1), dest: rest.at(-1) ?? '', checksum, hashed: false };
}

/** Downloads the snapshot's Dockerfiles pin with `--checksum`; the history cannot show the flag. */
function dockerfilePins(evidence: Evidence): Map<string, string> {
  const pins = new Map<string, string>();
  for (const df of evidence.dockerfiles) for (const s of df.stages) for (const add of s.adds) {
    if (!add.checksum) continue;
    for (const src of add.sources) if (judgeSource(src, add.checksum).ok) pins.set(src, add.checksum);
  }
  return pins;
}

/** Instructions that only change the image config, so they may precede the root file system. */
const METADATA_ONLY = new Set(['ARG', 'LABEL', 'ENV', 'MAINTAINER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'USER', 'WORKDIR', 'SHELL', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'VOLUME']);

function instructionOf(createdBy: string): string {
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(createdBy);
  if (!nop && createdBy.startsWith('/bin/sh -c')) return 'RUN';
  return (createdBy.slice(nop?.[0].length ?? 0).trim().split(/\s+/)[0] ?? '').toUpperCase();
}

/**
 * The base image's root file system: an `ADD … /` that only config-only steps precede (Ubuntu's
 * images put `ARG`/`LABEL` entries before it). It is the base's doing, not this build's.
 */
function isRootFilesystem(history: readonly Fact<string>[], index: number, add: HistoryAdd): boolean {
  return add.dest === '/' && history.slice(0, index).every((h) => METADATA_ONLY.has(instructionOf(h.value)));
}

function checkHistoryEntry(image: ImageConfig, index: number, pins: Map<string, string>): Finding | null {
  const entry = image.history[index];
  const add = entry ? readHistoryAdd(entry.value) : null;
  if (!entry || !add || isRootFilesystem(image.history, index, add)) return null;
  if (add.hashed) {
    return finding(image.source, 'fail', entry.path, tx(T.historyHashed, { src: add.sources[0] ?? '', dest: add.dest }),
      { remediation: T.fixHashed });
  }
  const verdicts = add.sources.map((src) => {
    const pinnedElsewhere = pins.get(src) ?? null;
    const v = judgeSource(src, add.checksum ?? pinnedElsewhere);
    return { src, ...v, text: pinnedElsewhere && !add.checksum ? tx(T.pinnedHere, { text: v.text }) : v.text };
  });
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length === 0) return finding(image.source, 'pass', entry.path, tx(T.historyPinned, { verdicts: joinTexts(verdicts.map((v) => v.text), '; ') }));
  const note = bad.some((v) => sourceKind(v.src) === 'url') ? T.noChecksumRecorded : EMPTY;
  return finding(image.source, 'fail', entry.path, tx(T.historyUnpinned, { verdicts: joinTexts(bad.map((v) => v.text), '; '), note }),
    { remediation: fixes(bad) });
}

function checkImage(image: ImageConfig, pins: Map<string, string>): Finding[] {
  if (image.history.length === 0) return [];
  const findings = image.history.map((_, i) => checkHistoryEntry(image, i, pins)).filter((f): f is Finding => f !== null);
  if (findings.length > 0) return findings;
  return [finding(image.source, 'pass', image.history[0]?.path ?? image.path, tx(T.historyClean, { count: image.history.length }))];
}

export const control: Control = {
  id: '3.11',
  levels: ['L1', 'L2', 'L3'],
  title: { en: 'COPY instead of ADD', de: 'COPY statt ADD' },
  text: {
    en: 'Dockerfiles use COPY instead of ADD, unless the source is fully trusted.',
    de: 'Stellen Sie sicher, dass Dockerfiles anstelle der ADD-Direktive die COPY-Direktive verwenden, es sei denn, die Quelle ist voll vertrauenswürdig.',
  },
  remediation: T.remediation,
  rules: [
    '- **dockerfile** (every stage): `ADD` of a local file or folder fails (COPY does the same without ADD\'s implicit ' +
      'archive unpacking). `ADD` of a URL without `--checksum=sha256:<64 hex>` fails; with it, it passes: the content ' +
      'is pinned, so the source is trusted. A git source (`git@…`, `git://`, `ssh://`, `https://….git`) passes only when ' +
      'pinned to a full commit SHA (`#<40 hex>[:subdir]`, `?ref=`/`commit=`/`checksum=` with a full SHA, or ' +
      '`--checksum=<full SHA>`); a branch, a tag or a short SHA prefix fails. A heredoc (`ADD <<EOF`) is content written ' +
      'in the Dockerfile itself and passes. Only `COPY` (or neither) passes.',
    '- **docker-image-inspect** (build history, when present): the first `ADD file:<hash> in /` (or BuildKit\'s ' +
      '`ADD rootfs.tar /`), preceded by nothing but config-only steps such as `ARG`/`LABEL`, is the base image\'s root ' +
      'file system, not this build\'s doing, and is ignored. A later `ADD file:…`/' +
      '`dir:…` fails (a local file added with ADD, by this image or a base image); `ADD <url>` fails because BuildKit ' +
      'does not record `--checksum` in the history, unless a Dockerfile in the same snapshot shows that very URL ' +
      'pinned. A history without ADD passes.',
  ].join('\n'),
  decidedBy: ['dockerfile', 'docker-image-inspect'],
  evaluate(evidence: Evidence): Finding[] {
    const pins = dockerfilePins(evidence);
    return [...evidence.dockerfiles.flatMap(checkDockerfile), ...evidence.images.flatMap((i) => checkImage(i, pins))];
  },
};
