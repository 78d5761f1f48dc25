/** The page shell: header with navigation, who is signed in, the language switch and sign-out. */
import type { Principal } from '../env.ts';
import { type Html, html } from './html.ts';
import { isOrgWide } from '../../services/visibility.ts';
import { type Lang, t } from './i18n.ts';

export interface View {
  lang: Lang;
  principal: Principal | null;
  /** The request URL, for the language switch and `aria-current`. */
  url: URL;
}

type Section = 'overview' | 'attestation' | 'audit' | 'other';

const LOGO = html`<svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="7" fill="#3b7be0"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

/** The current URL with `lang` set, so switching keeps the page and its parameters. */
function switchUrl(url: URL, lang: Lang): string {
  const next = new URL(url.toString());
  next.searchParams.set('lang', lang);
  return `${next.pathname}${next.search}${next.hash}`;
}

function who(v: View): Html {
  const p = v.principal;
  if (!p) return html``;
  const text = p.teamSlug ? t(v.lang, 'signedInAsTeam', { role: p.role, team: p.teamSlug }) : t(v.lang, 'signedInAs', { role: p.role });
  return html`<span>${text}</span>`;
}

/** A skip link beyond "skip to content": straight to what the page is about (the first failure). */
export interface Skip {
  href: string;
  label: string;
}

export function page(v: View, o: { title: string; section?: Section; body: Html; status?: Html; skips?: Skip[] }): Html {
  const other = t(v.lang, 'switchToLang') as Lang;
  const current = (s: Section) => (o.section === s ? html` aria-current="page"` : '');
  return html`<!doctype html>
<html lang="${v.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${t(v.lang, 'appName')}</title>
<link rel="icon" href="/ui/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/assets/app.css">
<script src="/ui/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#content">${t(v.lang, 'skipToContent')}</a>
${(o.skips ?? []).map((k) => html`<a class="skip" href="${k.href}">${k.label}</a>`)}
<header class="top"><div class="bar">
<a class="brand" href="/ui">${LOGO}<span>${t(v.lang, 'appName')}</span></a>
${v.principal
    ? html`<nav class="main" aria-label="${t(v.lang, 'appName')}"><ul>
<li><a href="/ui"${current('overview')}>${t(v.lang, 'navOverview')}</a></li>
<li><a href="/ui/attestation"${current('attestation')}>${t(v.lang, 'navAttestation')}</a></li>
${isOrgWide(v.principal) ? html`<li><a href="/ui/audit"${current('audit')}>${t(v.lang, 'navAudit')}</a></li>` : ''}
<li><a href="/docs">${t(v.lang, 'navApi')}</a></li>
</ul></nav>`
    : ''}
<div class="who">${who(v)}
<a href="${switchUrl(v.url, other)}" lang="${other}" hreflang="${other}">${t(v.lang, 'switchTo')}</a>
${v.principal
    ? html`<form method="post" action="/ui/sign-out"><button type="submit">${t(v.lang, 'signOut')}</button></form>`
    : ''}
</div>
</div></header>
<main id="content">
${o.status ?? ''}${o.body}
</main>
</body>
</html>`;
}
