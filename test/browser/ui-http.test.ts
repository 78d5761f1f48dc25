/**
 * The dashboard over HTTP, without a browser: sign-in and sessions, CSRF and CSP, access rules,
 * languages, and that the pages' figures are the API's.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, sessions } from '../../db/schema.ts';
import { hashApiKey } from '../../services/keys.ts';
import { safeNext } from '../../api/ui/routes.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { seed, type Seeded } from './seed.ts';

let h: Harness;
let s: Seeded;
beforeAll(async () => {
  h = await startHarness();
  s = await seed(h);
});
afterAll(async () => h.close());

const ORIGIN = 'http://localhost';

/** A browser-like request: no API key, the session cookie if given. */
function ui(path: string, init: { cookie?: string; method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  let body: string | null = null;
  if (init.form) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(init.form).toString();
  }
  return h.app.request(path, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
}

async function signIn(key: string, headers: Record<string, string> = { origin: ORIGIN }): Promise<{ res: Response; cookie: string }> {
  const res = await ui('/ui/sign-in', { method: 'POST', form: { key, next: '/ui' }, headers });
  const set = res.headers.get('set-cookie') ?? '';
  const cookie = /csvs_session=([^;]*)/.exec(set)?.[0] ?? '';
  return { res, cookie };
}

describe('waivers from the dashboard', () => {
  it('are for auditors and admins only, and only from this site', async () => {
    const viewer = await signIn(s.keys.viewer);
    expect((await ui(`/ui/teams/${s.teams.good}/waivers/new`, { cookie: viewer.cookie })).status).toBe(403);
    const form = { control: '3.4', workloads: 'x-*', environment: '', justification: 'a long enough reason here', expires: '2099-01-01' };
    expect((await ui(`/ui/teams/${s.teams.good}/waivers`, { method: 'POST', cookie: viewer.cookie, form, headers: { origin: ORIGIN } })).status).toBe(403);
    expect((await ui('/ui/audit', { cookie: viewer.cookie })).status).toBe(403);
    const auditor = await signIn(s.keys.auditor);
    expect((await ui(`/ui/teams/${s.teams.good}/waivers`, { method: 'POST', cookie: auditor.cookie, form, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    // Past the longest a waiver may run: refused as the API refuses it, in the page's language.
    const far = await ui(`/ui/teams/${s.teams.good}/waivers?lang=de`, { method: 'POST', cookie: auditor.cookie, form, headers: { origin: ORIGIN } });
    expect(far.status).toBe(400);
    expect(await far.text()).toContain('innerhalb der längsten erlaubten Laufzeit');
  });
});

describe('signing in', () => {
  it('sends a visitor without a session to the sign-in form and back', async () => {
    const res = await ui('/ui/teams/x?chart=3.4');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/ui/sign-in?next=${encodeURIComponent('/ui/teams/x?chart=3.4')}`);
    const form = await ui(res.headers.get('location') ?? '');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('value="/ui/teams/x?chart=3.4"');
  });

  it('sets an HttpOnly, SameSite=Strict cookie and stores only the token hash', async () => {
    const { res, cookie } = await signIn(s.keys.viewer);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/);
    const token = cookie.split('=')[1] ?? '';
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const rows = await h.database.db.select().from(sessions).where(eq(sessions.tokenHash, await hashApiKey(token)));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.role).toBe('viewer');
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(s.keys.viewer);
  });

  it('marks the cookie Secure behind a TLS-terminating proxy', async () => {
    const { res } = await signIn(s.keys.viewer, { origin: 'https://csvs.example.com', host: 'csvs.example.com', 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('refuses an unknown key without a cookie', async () => {
    const { res, cookie } = await signIn('csvs_nothing_this_key_does_not_exist_at_all_0000');
    expect(res.status).toBe(401);
    expect(cookie).toBe('');
    expect(await res.text()).toContain('unknown or revoked');
  });

  it('refuses a sign-in posted from another site (or with no Origin at all)', async () => {
    expect((await signIn(s.keys.viewer, { origin: 'https://evil.example' })).res.status).toBe(403);
    expect((await signIn(s.keys.viewer, {})).res.status).toBe(403);
    expect((await signIn(s.keys.viewer, { referer: `${ORIGIN}/ui/sign-in` })).res.status).toBe(303);
  });

  it('only ever redirects to a dashboard path after sign-in', () => {
    expect(safeNext('/ui/teams/a?b=c')).toBe('/ui/teams/a?b=c');
    for (const bad of ['//evil.example/ui', 'https://evil.example/ui', '/ui\\..\\x', '/uix', '/v1/teams', 42]) expect(safeNext(bad)).toBe('/ui');
  });

  it('replaces the session a browser already held when it signs in again', async () => {
    const first = await signIn(s.keys.auditor);
    const res = await ui('/ui/sign-in', { method: 'POST', cookie: first.cookie, form: { key: s.keys.viewer, next: '/ui' }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(303);
    expect((await ui('/ui', { cookie: first.cookie })).status).toBe(303);
  });

  it('ends the session on sign-out', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    expect((await ui('/ui', { cookie })).status).toBe(200);
    const out = await ui('/ui/sign-out', { method: 'POST', cookie, headers: { origin: ORIGIN } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/csvs_session=;/);
    expect((await ui('/ui', { cookie })).status).toBe(303);
  });

  it('ends the session when its key is revoked', async () => {
    const key = await h.key('viewer', s.teams.good);
    const { cookie } = await signIn(key.key);
    expect((await ui(`/ui/teams/${s.teams.good}`, { cookie })).status).toBe(200);
    expect((await h.request(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await ui(`/ui/teams/${s.teams.good}`, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('ended=1');
  });
});

describe('pages', () => {
  it('serves a strict CSP, no inline script or style, and is absent from the OpenAPI document', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    for (const path of ['/ui', `/ui/teams/${s.teams.good}`, `/ui/teams/${s.teams.good}/workload?name=checkout-api&environment=prod`, '/ui/sign-in']) {
      const res = await ui(path, { cookie });
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      const page = await res.text();
      expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(page).not.toMatch(/\sstyle=/);
      expect(page).not.toMatch(/<style/);
      // Nothing is loaded from elsewhere: the only outside URLs are links a person follows (the
      // pipeline a CI upload named).
      const outside = page.replace(/<a href="https?:\/\/[^"]*" rel="noreferrer">[^<]*<\/a>/g, '');
      expect(outside).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    }
    const doc = (await (await h.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui') || p === '/')).toEqual([]);
  });

  it('escapes what users wrote, code spans included', async () => {
    const team = await h.team('xss');
    await h.request(`/v1/teams/${team}/snapshots`, { method: 'POST', json: { workload: 'web', artifacts: [{ kind: 'dockerfile', content: 'FROM alpine:3.20\nUSER 1000\n' }] } });
    const res = await h.request(`/v1/teams/${team}/waivers`, {
      method: 'POST',
      json: { control: '3.4', workloads: '*', justification: 'see `<img src=x onerror=alert(1)>` and <script>alert(2)</script>', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(res.status).toBe(201);
    const { cookie } = await signIn(s.keys.auditor);
    const page = await (await ui(`/ui/teams/${team}`, { cookie })).text();
    expect(page).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(page).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
  });

  it("shows a viewer its own team only; another team's pages answer 403", async () => {
    const { cookie } = await signIn(s.keys.viewer);
    // The overview of a one-team key is its team.
    const overview = await ui('/ui', { cookie });
    expect(overview.status).toBe(303);
    expect(overview.headers.get('location')).toBe(`/ui/teams/${s.teams.good}`);
    const foreign = await ui(`/ui/teams/${s.teams.bad}`, { cookie });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('content-type')).toContain('text/html');
    expect((await ui(`/ui/teams/${s.teams.bad}/workload?name=search-api`, { cookie })).status).toBe(403);
    // A foreign snapshot id under the viewer's own team is simply not found.
    const bad = await h.request(`/v1/teams/${s.teams.bad}/snapshots?limit=1`);
    const foreignId = ((await bad.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
    expect((await ui(`/ui/teams/${s.teams.good}/workload?name=checkout-api&snapshot=${foreignId}`, { cookie })).status).toBe(404);
  });

  it('ranks the teams with the figures of GET /v1/scorecards', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    const page = await (await ui('/ui', { cookie })).text();
    const api = (await (await h.request('/v1/scorecards', { key: s.keys.auditor })).json()) as {
      items: { team: string; rank: number; levels: Record<string, { compliant: number; total: number }> }[];
    };
    for (const team of [s.teams.good, s.teams.bad]) {
      const card = api.items.find((i) => i.team === team);
      const row = new RegExp(`<tr data-team="${team}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '';
      expect(row).toContain(`data-figure="rank">${card?.rank}<`);
      for (const level of ['L1', 'L2', 'L3']) {
        const l = card?.levels[level];
        expect(row).toContain(`data-level="${level}" data-compliant="${l?.compliant}" data-total="${l?.total}"`);
      }
    }
  });

  it('speaks German with ?lang=de and remembers it', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    const res = await ui(`/ui/teams/${s.teams.good}?lang=de&chart=3.4`, { cookie });
    const page = await res.text();
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('Spezifisches seccomp-Profil');
    expect(page).toContain('Die drei Stufen auf einen Blick');
    const lang = /csvs_lang=de/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
    expect(lang).toBe('csvs_lang=de');
    const again = await (await ui('/ui', { cookie: `${cookie}; ${lang}` })).text();
    expect(again).toContain('Übersicht der Organisation');
    expect(await (await ui('/ui', { cookie, headers: { 'accept-language': 'fr;q=0.9, de;q=0.8, en;q=0.1' } })).text()).toContain('<html lang="de">');
  });

  it('shows a workload\'s findings and remediations in German, with "Zeile" for lines', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    const { after, workload } = s.improved;
    const page = await (await ui(`/ui/teams/${s.teams.good}/workload?name=${workload}&snapshot=${after}&lang=de`, { cookie })).text();
    const snapshot = (await (await h.request(`/v1/snapshots/${after}`)).json()) as { controls: { id: string; findings: { message: string; de?: { message: string } }[] }[] };
    const findings = snapshot.controls.flatMap((c) => c.findings);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings.slice(0, 20)) {
      expect(f.de?.message).toBeTruthy();
      const shown = (f.de?.message ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/`([^`]*)`/g, '<code>$1</code>');
      expect(page).toContain(shown.slice(0, 40));
    }
    expect(page).not.toMatch(/<span class="mono">line \d+<\/span>/);
  });

  it('shows what changed between two snapshots of a workload', async () => {
    const { cookie } = await signIn(s.keys.auditor);
    const { before, after, workload } = s.improved;
    const page = await (await ui(`/ui/teams/${s.teams.good}/workload?name=${workload}&from=${before}&to=${after}`, { cookie })).text();
    const [a, b] = await Promise.all([before, after].map(async (id) => (await (await h.request(`/v1/snapshots/${id}`)).json()) as { controls: { id: string; status: string }[] }));
    const changed = (b?.controls ?? []).filter((c) => a?.controls.find((x) => x.id === c.id)?.status !== c.status).map((c) => c.id);
    expect(changed.length).toBeGreaterThan(0);
    const section = /<ul class="status-changes">([\s\S]*?)<\/ul>/.exec(page)?.[1] ?? '';
    expect([...section.matchAll(/data-control="([^"]+)"/g)].map((m) => m[1])).toEqual(changed);
    expect(page).toMatch(/data-change="removed"/);
  });

  it('downloads attestations as the API serves them, under the same access rules, audited', async () => {
    const { cookie } = await signIn(s.keys.viewer);
    const form = await (await ui('/ui/attestation', { cookie })).text();
    expect(form).toContain(`<option value="${s.teams.good}" selected>`);
    expect(form).not.toContain('value="org"');
    expect((await ui('/ui/attestation?scope=org&level=L1', { cookie })).status).toBe(403);
    expect((await ui(`/ui/attestation/download?scope=${s.teams.bad}&level=L1&format=csv`, { cookie })).status).toBe(403);
    expect((await ui(`/ui/attestation/download?scope=${s.teams.good}&level=L4&format=csv`, { cookie })).status).toBe(400);

    const at = new Date(Date.now() - 60_000).toISOString();
    const query = `level=L1&format=csv&at=${encodeURIComponent(at)}`;
    const mine = await ui(`/ui/attestation/download?scope=${s.teams.good}&${query}`, { cookie });
    const api = await h.request(`/v1/teams/${s.teams.good}/attestations?${query}`, { key: s.keys.viewer });
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-disposition')).toBe(api.headers.get('content-disposition'));
    expect(await mine.text()).toBe(await api.text());
    const audited = await h.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'attestation.export'), eq(auditLog.actor, s.keys.viewerKeyId)));
    expect(audited).toHaveLength(2);
  });
});
