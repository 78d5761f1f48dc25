import { describe, expect, it } from 'vitest';
import { dockerfile, expectFailFixes, fixtureText, only } from './fixtures.ts';
import { check, type TestArtifact } from './testing.ts';

const DIGEST = 'sha256:0b6a9c3e7d1f5b9a2c6e0d4f8b3a7c1e5d9f2b6a0c4e8d3f7b1a5c9e2d6f0a4b';

interface CycloneDx {
  components: { name: string; version: string; type: string; purl?: string }[];
}

function sbom(extra: string[] = []): TestArtifact {
  const bom = JSON.parse(fixtureText('sbom/h5-shop-web.cdx.json')) as CycloneDx;
  for (const name of extra) bom.components.push({ type: 'library', name, version: '1.0-1', purl: `pkg:deb/debian/${name}@1.0-1?arch=amd64&distro=debian-12` });
  return { kind: 'sbom', name: 'sbom.cdx.json', content: bom };
}

describe('3.8 only required packages', () => {
  describe('dockerfile: minimal installs', () => {
    it('passes apt-get install --no-install-recommends of needed packages', () => {
      const r = check('3.8', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends ca-certificates curl tini \\
         && rm -rf /var/lib/apt/lists/*
        USER 10001
        ENTRYPOINT ["tini", "--"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 1', container: null, artifact: 'Dockerfile' })]);
      expect(only(r, 'pass')[0]?.message).toContain('ca-certificates');
    });

    it('fails apt-get install without --no-install-recommends: recommends are installed (default applies)', () => {
      const r = check('3.8', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update && apt-get install -y ca-certificates curl
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);
      expect(only(r, 'fail')[0]?.remediation).toContain('--no-install-recommends');
      expectFailFixes(r);
    });

    it('fails apk add without --no-cache and passes it with', () => {
      const bad = check('3.8', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        RUN apk add ca-certificates tzdata
      `));
      expect(bad.status).toBe('fail');
      expect(only(bad, 'fail')[0]?.remediation).toContain('--no-cache');

      const good = check('3.8', dockerfile(`
        FROM alpine:3.20@${DIGEST}
        RUN apk add --no-cache ca-certificates tzdata
      `));
      expect(good.status).toBe('pass');
    });

    it('fails dnf install with weak dependencies on; passes microdnf with them off', () => {
      const bad = check('3.8', dockerfile(`
        FROM registry.access.redhat.com/ubi9/ubi:9.4@${DIGEST}
        RUN dnf install -y python3.11 && dnf clean all
      `));
      expect(bad.status).toBe('fail');
      expect(only(bad, 'fail')[0]?.remediation).toContain('install_weak_deps=0');

      const good = check('3.8', dockerfile(`
        FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4@${DIGEST}
        RUN microdnf install -y --setopt=install_weak_deps=0 --nodocs python3.11 && microdnf clean all
      `));
      expect(good.status).toBe('pass');
    });

    it('passes a final stage that installs nothing', () => {
      const r = check('3.8', dockerfile(`
        FROM golang:1.22@${DIGEST} AS build
        RUN apt-get update && apt-get install -y gcc make
        RUN go build -o /out/app ./cmd/app
        FROM gcr.io/distroless/static-debian12@${DIGEST}
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ location: 'line 4' })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/installs no OS packages/);
    });
  });

  describe('dockerfile: unneeded packages in the final image', () => {
    it('fails a build toolchain in the final stage, naming it', () => {
      const r = check('3.8', dockerfile(`
        FROM python:3.12-slim@${DIGEST}
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends gcc libpq-dev make \\
         && pip install --no-cache-dir psycopg2==2.9.9
        COPY . /app
      `));
      expect(r.status).toBe('fail');
      const fail = only(r, 'fail');
      // The line of the install command itself, inside the continued RUN.
      expect(fail).toEqual([expect.objectContaining({ location: 'line 3', container: null })]);
      expect(fail[0]?.message).toMatch(/gcc, make \(build toolchain\)/);
      expect(fail[0]?.message).not.toContain('libpq-dev');
      expectFailFixes(r);
    });

    it('fails debuggers, attacker network tools and remote-access servers, but not clients', () => {
      const r = check('3.8', dockerfile(`
        FROM ubuntu:24.04@${DIGEST}
        RUN apt-get update && apt-get install -y --no-install-recommends \\
              openssh-client strace netcat-openbsd nmap tcpdump openssh-server \\
         && rm -rf /var/lib/apt/lists/*
      `));
      expect(r.status).toBe('fail');
      const message = only(r, 'fail').map((f) => f.message).join('\n');
      expect(message).toContain('strace (debugger)');
      expect(message).toContain('netcat-openbsd, nmap, tcpdump (network tool for attackers)');
      expect(message).toContain('openssh-server (remote-access server)');
      expect(message).not.toContain('openssh-client');
    });

    it('strips version pins before matching (gcc=4:12.2.0-3)', () => {
      const r = check('3.8', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get install -y --no-install-recommends gcc=4:12.2.0-3
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toContain('gcc (build toolchain)');
    });

    it('ignores stages only read by COPY --from, but counts stages the final one is built FROM', () => {
      const base = check('3.8', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST} AS base
        RUN apt-get update && apt-get install -y --no-install-recommends build-essential
        FROM base
        COPY app /app
      `));
      expect(base.status).toBe('fail');
      expect(only(base, 'fail')).toEqual([expect.objectContaining({ location: 'line 2' })]);
      expect(only(base, 'fail')[0]?.message).toContain('build-essential');
    });

    it('does not count packages purged later in the same stage', () => {
      const r = check('3.8', dockerfile(`
        FROM python:3.12-slim@${DIGEST}
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends gcc libpq-dev libpq5 \\
         && pip install --no-cache-dir psycopg2==2.9.9 \\
         && apt-get purge -y --auto-remove gcc libpq-dev \\
         && rm -rf /var/lib/apt/lists/*
      `));
      expect(r.status).toBe('pass');
    });

    it('does not count an apk --virtual group deleted in the same RUN (the multi-step pattern)', () => {
      const r = check('3.8', dockerfile(`
        FROM python:3.12-alpine@${DIGEST}
        RUN apk add --no-cache libpq \\
         && apk add --no-cache --virtual .build-deps gcc musl-dev postgresql-dev \\
         && pip install --no-cache-dir psycopg2==2.9.9 \\
         && apk del --no-network .build-deps
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')[0]?.message).toMatch(/^the final image installs libpq with/);
      expect(only(r, 'pass')[0]?.message).toMatch(/\(gcc, musl-dev are installed and removed again in the same RUN, so not in the image\)$/);
    });

    describe('removal in the same RUN (decided 2026-12-06, after official images were failed wrongly)', () => {
      it('passes the official redis (Debian) build: apt-mark auto \'.*\' … apt-get purge --auto-remove removes its build tools', () => {
        const r = check('3.8', { kind: 'dockerfile', name: 'Dockerfile', content: fixtureText('dockerfile/redis-bookworm.Dockerfile') });
        expect(r.status).toBe('pass');
        expect(only(r, 'fail')).toEqual([]);
        const pass = only(r, 'pass')[0]?.message ?? '';
        expect(pass).toMatch(/^the final image installs tzdata with/);
        expect(pass).toContain('gcc, libc6-dev, make are installed and removed again in the same RUN');
        // What the ldd marking keeps is said, not guessed.
        expect(pass).toContain('the RUN at line 44 keeps the shared libraries its binaries link against');
      });

      it('passes python:3.11-slim: twenty build dependencies installed and purged in one RUN', () => {
        const r = check('3.8', { kind: 'dockerfile', name: 'Dockerfile', content: fixtureText('dockerfile/python-3.11-slim.Dockerfile') });
        expect(r.status).toBe('pass');
        expect(only(r, 'pass')[0]?.message).toMatch(/^the final image installs ca-certificates, netbase, tzdata with/);
        expect(only(r, 'unknown')).toEqual([]);
      });

      it('fails the idiom when a build tool is marked manual again by name', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN set -eux; \\
            savedAptMark="$(apt-mark showmanual)"; \\
            apt-get update; \\
            apt-get install -y --no-install-recommends gcc make libc6-dev; \\
            make -C /src install; \\
            apt-mark auto '.*' > /dev/null; \\
            apt-mark manual $savedAptMark make > /dev/null; \\
            apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false
        `));
        expect(r.status).toBe('fail');
        expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 5' })]);
        expect(only(r, 'fail')[0]?.message).toMatch(/installs make \(build toolchain\)/);
      });

      it('fails the idiom without the purge: marking auto alone removes nothing', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN apt-get update \\
           && apt-get install -y --no-install-recommends gcc libc6-dev \\
           && apt-mark auto '.*'
        `));
        expect(r.status).toBe('fail');
        expect(only(r, 'fail')[0]?.message).toMatch(/gcc, libc6-dev \(build toolchain\)/);
      });

      it('fails a removal in a later RUN: the package stays in the earlier layer', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN apt-get update \\
           && apt-get install -y --no-install-recommends ca-certificates gcc
          RUN make -C /src install
          RUN apt-get purge -y --auto-remove gcc
        `));
        expect(r.status).toBe('fail');
        expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 3' })]);
        expect(only(r, 'fail')[0]?.message).toMatch(/installs gcc \(build toolchain\); a later RUN \(line 5\) removes it, but the files stay in the layer/);
        expectFailFixes(r);
      });

      it('does not ask for --no-install-recommends where the same RUN auto-removes everything the install brought', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN apt-get update \\
           && apt-get install -y build-essential \\
           && make -C /src install \\
           && apt-get purge -y --auto-remove build-essential
        `));
        expect(r.status).toBe('pass');
        const kept = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN apt-get update && apt-get install -y build-essential && apt-get purge -y build-essential
        `));
        // A plain purge leaves the recommended packages the install pulled in.
        expect(kept.status).toBe('fail');
        expect(only(kept, 'fail')[0]?.message).toMatch(/without `--no-install-recommends`/);
      });

      it('removes a shell variable\'s packages when the same RUN purges the same variable', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          RUN buildDeps='gcc libc6-dev make' \\
           && apt-get update && apt-get install -y --no-install-recommends $buildDeps \\
           && make -C /src install \\
           && apt-get purge -y --auto-remove $buildDeps
        `));
        expect(r.status).toBe('pass');
        expect(only(r, 'unknown')).toEqual([]);
      });
    });

    describe('package names as the command names them', () => {
      it('substitutes ARG and ENV defaults, and names the install command\'s own line', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          ARG DEBUG_TOOLS="gdb strace"
          ENV RUNTIME_DEPS="libpq5 ca-certificates"
          RUN set -eux; \\
            apt-get update; \\
            apt-get install -y --no-install-recommends \\
              $RUNTIME_DEPS \\
              \${DEBUG_TOOLS}; \\
            rm -rf /var/lib/apt/lists/*
        `));
        expect(r.status).toBe('fail');
        expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 6' })]);
        expect(only(r, 'fail')[0]?.message).toMatch(/^installs gdb, strace \(debugger\) in the final image/);
      });

      it('an ARG the build only knows, or a variable of the RUN\'s shell, is unknown, not a package', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          ARG EXTRA_PACKAGES
          RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates $EXTRA_PACKAGES
        `));
        expect(r.status).toBe('pass');
        expect(only(r, 'unknown')).toEqual([expect.objectContaining({ location: 'line 3' })]);
        expect(only(r, 'unknown')[0]?.message).toMatch(/\$EXTRA_PACKAGES, a variable the Dockerfile gives no value/);
      });

      it('shell syntax is never a package name', () => {
        const r = check('3.8', dockerfile(`
          FROM debian:bookworm-slim@${DIGEST}
          COPY packages.txt /tmp/
          RUN apt-get update && apt-get install -y --no-install-recommends $(grep -v '^#' /tmp/packages.txt)
        `));
        expect(only(r, 'fail')).toEqual([]);
        expect(only(r, 'unknown')[0]?.message).toMatch(/shell syntax that is no package name/);
        expect(only(r, 'pass')[0]?.message).toBe('the final image installs no OS packages');
      });

      it('apk add --no-network reads no index, so it leaves none behind (like --no-cache)', () => {
        const r = check('3.8', dockerfile(`
          FROM alpine:3.20@${DIGEST}
          COPY packages/ /tmp/packages/
          RUN apk add --no-network --allow-untrusted /tmp/packages/*.apk
          RUN apk add --no-network tini
        `));
        expect(only(r, 'fail')).toEqual([]);
        const index = check('3.8', dockerfile(`
          FROM alpine:3.20@${DIGEST}
          RUN apk add tini
        `));
        expect(only(index, 'fail')[0]?.message).toMatch(/without `--no-cache`: the package index is left in the image/);
      });
    });

    it('still counts a --virtual group that is never deleted', () => {
      const r = check('3.8', dockerfile(`
        FROM python:3.12-alpine@${DIGEST}
        RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\
         && pip install --no-cache-dir uwsgi
      `));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/gcc, musl-dev \(build toolchain\)/);
    });

    it('notes a curl | sh installer as unknown: what it installs cannot be reviewed', () => {
      const r = check('3.8', dockerfile(`
        FROM debian:bookworm-slim@${DIGEST}
        RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
        RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
      `));
      expect(r.status).toBe('pass');
      expect(only(r, 'unknown')).toEqual([expect.objectContaining({ location: 'line 3' })]);
      expect(only(r, 'unknown')[0]?.message).toMatch(/cannot be reviewed/);
    });
  });

  describe('sbom / packages', () => {
    const syft = (text = fixtureText('packages/syft-table-shop-web.txt')): TestArtifact => ({ kind: 'packages', name: 'syft.txt', content: text });

    it('reads syft\'s table: the installed xrdp fails; an npm package called make is no build tool', () => {
      const r = check('3.8', syft());
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 22', artifact: 'syft.txt' })]);
      expect(only(r, 'fail')[0]?.message).toBe('xrdp (remote-access server) is installed in the image');
    });

    it('a line that cannot be read is a finding on that line, and the rest of the list still counts', () => {
      const damaged = fixtureText('packages/syft-table-shop-web.txt').replace('coreutils ', 'core\u0000utils ');
      const r = check('3.8', syft(damaged));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')[0]?.message).toMatch(/^xrdp/);
      expect(only(r, 'unknown')).toEqual([expect.objectContaining({ location: 'line 9' })]);
      expect(only(r, 'unknown')[0]?.message).toMatch(/could not be read as a package, so whether it names one is not known/);
      const clean = check('3.8', syft(damaged.replace(/^xrdp .*$/m, 'libxml2  2.9.14  deb')));
      expect(clean.status).toBe('pass');
      expect(only(clean, 'unknown')).toHaveLength(1);
    });

    it('passes a CycloneDX SBOM without listed packages (gcc-12-base and openssh-client are not tools)', () => {
      const r = check('3.8', sbom());
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ artifact: 'sbom.cdx.json', kind: 'sbom' })]);
    });

    it('fails each listed package with its JSON pointer', () => {
      const r = check('3.8', sbom(['gdb', 'tcpdump']));
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => [f.location, f.message])).toEqual([
        ['/components/19', expect.stringContaining('gdb (debugger)')],
        ['/components/20', expect.stringContaining('tcpdump (network tool for attackers)')],
      ]);
      expectFailFixes(r);
    });

    it('fails netcat in a dpkg-query list, by line', () => {
      const r = check('3.8', { kind: 'packages', name: 'dpkg.txt', content: fixtureText('packages/h5-debian-dpkg-query.txt') });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail')).toEqual([expect.objectContaining({ location: 'line 11', artifact: 'dpkg.txt' })]);
      expect(only(r, 'fail')[0]?.message).toContain('netcat-openbsd');
    });

    it('passes a package list without listed packages', () => {
      const list = fixtureText('packages/h5-debian-dpkg-query.txt').replace(/^netcat-openbsd.*\n/m, '');
      const r = check('3.8', { kind: 'packages', name: 'dpkg.txt', content: list });
      expect(r.status).toBe('pass');
      expect(only(r, 'pass')).toEqual([expect.objectContaining({ artifact: 'dpkg.txt', kind: 'packages' })]);
      expect(only(r, 'pass')[0]?.message).toMatch(/^12 packages/);
    });

    it("fails Alpine's openssh-server in an apk info list", () => {
      const r = check('3.8', { kind: 'packages', name: 'apk.txt', content: fixtureText('packages/h5-alpine-apk-info.txt') });
      expect(r.status).toBe('fail');
      expect(only(r, 'fail').map((f) => f.message).join('\n')).toMatch(/openssh-server/);
      expect(only(r, 'fail').map((f) => f.message).join('\n')).not.toMatch(/openssh-client/);
    });
  });

  describe('what says nothing', () => {
    it('runtime artifacts leave 3.8 unknown', () => {
      const r = check('3.8', {
        kind: 'docker-inspect',
        name: 'inspect.json',
        content: fixtureText('docker-inspect/h5-web-and-jumpbox.json'),
      });
      expect(r.status).toBe('unknown');
      expect(r.findings).toEqual([]);
      expect(r.decidedBy).toEqual(['dockerfile', 'sbom', 'packages']);
    });
  });

  describe('mixed artifacts', () => {
    it('is the worst of all: a clean Dockerfile does not outweigh an SBOM listing gcc', () => {
      const r = check('3.8', [
        dockerfile(`
          FROM gcr.io/distroless/nodejs20-debian12@${DIGEST}
          COPY dist /app
        `),
        sbom(['gcc-12']),
      ]);
      expect(r.status).toBe('fail');
      expect(only(r, 'pass').map((f) => f.artifact)).toEqual(['Dockerfile']);
      expect(only(r, 'fail').map((f) => f.artifact)).toEqual(['sbom.cdx.json']);
    });
  });
});
