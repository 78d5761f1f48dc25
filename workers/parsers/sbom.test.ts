import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PackageInventory, Source } from '../model/evidence.ts';
import { parseSbom } from './sbom.ts';
import { ArtifactError } from './util.ts';

const source: Source = { artifact: 'sbom.json', kind: 'sbom' };
const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/sbom/${name}`, import.meta.url), 'utf8');

function inventory(content: unknown): PackageInventory {
  const inv = parseSbom(content, source).packages?.[0];
  if (!inv) throw new Error('no inventory');
  return inv;
}
const names = (inv: PackageInventory): string[] => inv.packages.map((p) => p.name);

describe('parseSbom: CycloneDX', () => {
  const text = fixture('syft-cyclonedx-shop-web.json');
  const inv = inventory(text);

  it('reads syft CycloneDX components with JSON pointer paths', () => {
    expect(inv.format).toBe('cyclonedx');
    expect(inv.source).toEqual(source);
    expect(inv.packages.find((p) => p.name === 'openssh-server')).toEqual({
      name: 'openssh-server',
      version: '1:9.2p1-2+deb12u3',
      path: '/components/9',
    });
    expect(names(inv)).toEqual(expect.arrayContaining(['build-essential', 'gcc-12', 'make', 'express', 'debug']));
  });

  it('leaves out the operating system, files and the image itself', () => {
    expect(names(inv)).not.toContain('debian');
    expect(names(inv)).not.toContain('/usr/sbin/sshd');
    expect(names(inv)).not.toContain('ghcr.io/acme/shop-web');
    expect(inv.packages).toHaveLength(14);
  });

  it('keeps the image the BOM describes (metadata.component of type container)', () => {
    expect(inv.image).toEqual({ name: 'ghcr.io/acme/shop-web', version: 'sha256:2f7d1a0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29' });
    expect(inventory({ bomFormat: 'CycloneDX', specVersion: '1.6', metadata: { component: { type: 'application', name: 'shop' } }, components: [] }).image)
      .toBeUndefined();
  });

  it('accepts already-parsed JSON', () => {
    expect(inventory(JSON.parse(text))).toEqual(inv);
  });

  it('walks nested components', () => {
    const nested = inventory(fixture('cdxgen-nested-components.json'));
    expect(nested.packages).toEqual([
      { name: 'billing-service', version: '3.2.0', path: '/components/0' },
      { name: 'spring-boot', version: '3.2.4', path: '/components/0/components/0' },
      { name: 'tomcat-embed-core', version: '10.1.19', path: '/components/0/components/1' },
      { name: 'tomcat-annotations-api', version: '10.1.19', path: '/components/0/components/1/components/0' },
      { name: 'busybox', version: '1.36.1-r29', path: '/components/1' },
    ]);
  });

  it('reads a BOM without components as an empty inventory, noted', () => {
    const part = parseSbom('{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}', source);
    expect(part.packages?.[0]?.packages).toEqual([]);
    expect(part.notes?.[0]).toMatch(/lists no packages/);
  });
});

describe('parseSbom: SPDX', () => {
  it('reads SPDX 2.3 packages, leaving out the container package', () => {
    const inv = inventory(fixture('syft-spdx-shop-web.json'));
    expect(inv.format).toBe('spdx');
    expect(names(inv)).toEqual(['adduser', 'bash', 'build-essential', 'ca-certificates', 'curl', 'gcc-12', 'telnetd']);
    expect(inv.packages[6]).toEqual({ name: 'telnetd', version: '0.17-44', path: '/packages/7' });
  });

  it('keeps the image an SPDX 2.3 document describes (the package with purpose CONTAINER)', () => {
    expect(inventory(fixture('syft-spdx-shop-web.json')).image).toEqual({
      name: 'ghcr.io/acme/shop-web',
      version: 'sha256:2f7d1a0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29',
    });
  });

  it('reads SPDX 3.0 JSON-LD software packages', () => {
    const doc = {
      '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
      '@graph': [
        { type: 'CreationInfo', '@id': '_:creationinfo', specVersion: '3.0.1', created: '2025-03-10T16:05:14Z' },
        { type: 'software_Package', spdxId: 'urn:x:1', name: 'xrdp', software_packageVersion: '0.9.21.1-1', software_primaryPurpose: 'application' },
        { type: 'software_Package', spdxId: 'urn:x:2', name: 'debian', software_packageVersion: '12', software_primaryPurpose: 'operatingSystem' },
        { type: 'software_File', spdxId: 'urn:x:3', name: '/usr/sbin/xrdp' },
      ],
    };
    expect(inventory(doc)).toMatchObject({
      format: 'spdx',
      packages: [{ name: 'xrdp', version: '0.9.21.1-1', path: '/@graph/1' }],
    });
  });

  it('keeps a package without versionInfo with a null version', () => {
    const inv = inventory({ spdxVersion: 'SPDX-2.2', packages: [{ name: 'dropbear', SPDXID: 'SPDXRef-1' }] });
    expect(inv.packages).toEqual([{ name: 'dropbear', version: null, path: '/packages/0' }]);
  });
});

describe('parseSbom: hostile and wrong input', () => {
  it.each([
    ['CycloneDX XML', fixture('cyclonedx-1.5.xml'), /XML; upload CycloneDX or SPDX as JSON/],
    ['SPDX tag-value', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n', /tag-value; upload SPDX as JSON/],
    ['syft native JSON', '{"artifacts":[],"source":{},"schema":{"version":"16.0.18"}}', /not a CycloneDX or SPDX JSON document/],
    ['a JSON array', '[{"bomFormat":"CycloneDX"}]', /must be a JSON object/],
    ['empty text', '  ', /empty/],
    ['arrays nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), /must be a JSON object/],
    ['a JSON-LD context nested 100,000 deep', '{"@graph":[],"@context":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', /not a CycloneDX/],
  ])('refuses %s with an ArtifactError', (_label, content, message) => {
    expect(() => parseSbom(content, source)).toThrow(ArtifactError);
    expect(() => parseSbom(content, source)).toThrow(message);
  });

  it('refuses components nested 100,000 deep', () => {
    const deep = '{"bomFormat":"CycloneDX","components":' + '[{"name":"x","components":'.repeat(100_000) + '[]' + '}]'.repeat(100_000) + '}';
    expect(() => parseSbom(deep, source)).toThrow(/nested deeper than 100 levels/);
  });

  it('survives wrong types, __proto__ keys and NUL bytes inside', () => {
    const text =
      '{"bomFormat":"CycloneDX","__proto__":{"components":[{"name":"evil"}]},"components":[' +
      '"bash",null,{"name":7},{"name":"openssh-server\\u0000","version":{"v":1}},' +
      '{"name":"ok","type":5,"components":"nope"},{"name":"__proto__","version":"1"}]}';
    const inv = inventory(text);
    expect(inv.packages).toEqual([
      { name: 'openssh-server\u0000', version: null, path: '/components/3' },
      { name: 'ok', version: null, path: '/components/4' },
      { name: '__proto__', version: '1', path: '/components/5' },
    ]);
  });

  it('reads 100,000 components quickly', () => {
    const bom = { bomFormat: 'CycloneDX', specVersion: '1.6', components: Array.from({ length: 100_000 }, (_, i) => ({ type: 'library', name: `lib${i}`, version: '1.0' })) };
    const start = process.cpuUsage(); // CPU time: robust on shared cores
    expect(inventory(JSON.stringify(bom)).packages).toHaveLength(100_000);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
  });
});
