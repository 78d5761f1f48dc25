import { describe, expect, it } from 'vitest';
import { CONTROLS } from '../controls/index.ts';
import { HOSTILE, sampleResult } from '../../test/fixtures/report/sample-result.ts';
import { attribute, text, toJUnit } from './junit.ts';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+);/g;
const DECODED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  return s.replace(ENTITY, (_, e: string) => (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (DECODED[e] ?? '')));
}

/**
 * A strict little XML reader, enough for what toJUnit writes: elements, double-quoted attributes,
 * character data with the five entities and numeric references. Throws on anything malformed.
 */
function parseXml(doc: string): XmlElement {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(doc)) throw new Error('control character in document');
  let rest = doc.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/;
  while (rest.length > 0) {
    const top = stack[stack.length - 1];
    if (!top) throw new Error('unbalanced');
    const lt = rest.indexOf('<');
    const chunk = lt === -1 ? rest : rest.slice(0, lt);
    if (chunk.includes('>')) throw new Error(`raw > in text ${JSON.stringify(chunk)}`);
    top.text += decode(chunk);
    if (lt === -1) break;
    rest = rest.slice(lt);
    const m = tag.exec(rest);
    if (!m) throw new Error(`malformed tag at ${JSON.stringify(rest.slice(0, 40))}`);
    const [whole, closing, name = '', attrText = '', selfClosing] = m;
    rest = rest.slice(whole.length);
    if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      const key = a[1] ?? '';
      if (key in attrs) throw new Error(`duplicate attribute ${key}`);
      attrs[key] = decode(a[2] ?? '');
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    top.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (stack.length !== 1) throw new Error('unclosed elements');
  const [documentElement, ...others] = root.children;
  if (!documentElement || others.length > 0) throw new Error('need exactly one root element');
  return documentElement;
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

function suite(workload?: string) {
  const xml = toJUnit(sampleResult(), { workload, waivers: { '3.5': 'DB image; ticket SEC-42' } });
  const root = parseXml(xml);
  const s = child(root, 'testsuite');
  if (!s) throw new Error('no testsuite');
  const cases = s.children.filter((c) => c.name === 'testcase');
  const byId = (id: string) => cases.find((c) => c.attrs.name?.startsWith(`${id} `));
  return { xml, root, suite: s, cases, byId };
}

describe('toJUnit', () => {
  it('is well-formed with one suite named after the workload holding fifteen test cases', () => {
    const { root, suite: s, cases } = suite('checkout-api');
    expect(root.name).toBe('testsuites');
    expect(root.children.filter((c) => c.name === 'testsuite')).toHaveLength(1);
    expect(s.attrs).toMatchObject({ name: 'CSVS V3 checkout-api', tests: String(CONTROLS.length), failures: '4', skipped: '3', errors: '0' });
    expect(cases).toHaveLength(CONTROLS.length);
    expect(cases[3]?.attrs.name).toBe('3.4 Title of 3.4');
  });

  it('groups test cases by the lowest level that requires the control', () => {
    const { byId } = suite();
    expect(byId('3.5')?.attrs.classname).toBe('csvs.L1');
    expect(byId('3.1')?.attrs.classname).toBe('csvs.L2');
    expect(byId('3.4')?.attrs.classname).toBe('csvs.L3');
  });

  it('lists every failing finding with its location and remediation in the failure', () => {
    const failure = child(suite().byId('3.4'), 'failure');
    expect(failure?.attrs).toMatchObject({ type: 'fail', message: 'seccompProfile is RuntimeDefault (+1 more)' });
    expect(failure?.text).toContain('- k8s/deploy.yaml spec.template.spec.containers[0].securityContext [api]: seccompProfile is RuntimeDefault');
    expect(failure?.text).toContain('[sidecar]: no seccompProfile');
    expect(failure?.text).toContain('Fix: General remediation of 3.4.');
    const own = child(suite().byId('3.1'), 'failure');
    expect(own?.text).toContain('- Dockerfile line 12: the final stage runs as root\n  Fix: Add `USER app` after creating the user.');
  });

  it('skips unknown controls naming the evidence that would decide them', () => {
    const { byId } = suite();
    const c32 = byId('3.2');
    expect(child(c32, 'skipped')?.attrs.message).toBe('no evidence: needs one of docker-inspect, compose');
    expect(child(c32, 'failure')).toBeUndefined();
    expect(child(byId('3.14'), 'system-out')?.text).toContain('compose.yaml: could not be read');
  });

  it('passes waived controls and notes the waiver in system-out', () => {
    const c35 = suite().byId('3.5');
    expect(child(c35, 'failure')).toBeUndefined();
    expect(child(c35, 'skipped')).toBeUndefined();
    expect(child(c35, 'system-out')?.text).toMatch(/^waived: DB image; ticket SEC-42\n- docker-inspect \/0\/HostConfig\/SecurityOpt \[shop-db-1\]/);
  });

  it('escapes markup and drops characters XML 1.0 forbids', () => {
    const { xml, byId } = suite('a<b>&"c"');
    expect(xml).not.toMatch(/[\u0000\u0007\u001b]/);
    const failure = child(byId('3.12'), 'failure');
    const expected = 'exposes <ssh> & "telnet" [31mred';
    expect(failure?.attrs.message).toBe(expected);
    expect(failure?.text).toContain(expected);
    expect(parseXml(xml).attrs.name).toBe('CSVS V3 a<b>&"c"');
    expect(HOSTILE).toContain('\u001b');
  });
});

describe('escaping helpers', () => {
  it('escape text and attributes, keeping newlines in attributes as references', () => {
    expect(text('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(attribute(`it's "x"\nnext\tcol`)).toBe('it&apos;s &quot;x&quot;&#10;next&#9;col');
  });

  it('drops unpaired surrogates and U+FFFE but keeps valid astral characters', () => {
    expect(text('a\uD800b\uDC00c\uFFFEd')).toBe('abcd');
    expect(text('rocket \u{1F680}')).toBe('rocket \u{1F680}');
  });
});
