/** Error pages: the problem in words, and a way back. */
import { type Html, html } from '../html.ts';
import { t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export function errorPage(v: View, title: string, detail: readonly string[]): Html {
  const body = html`<section class="card">
<h1>${title}</h1>
${detail.map((p) => html`<p>${p}</p>`)}
<p><a href="/ui">${t(v.lang, v.principal ? 'backToOverview' : 'toSignIn')}</a></p>
</section>`;
  return page(v, { title, body });
}
