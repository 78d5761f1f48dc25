/** The sign-in form: an API key posted once, exchanged for a session cookie. */
import { notice } from '../components.ts';
import { type Html, html } from '../html.ts';
import { t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export function signInPage(v: View, o: { next: string; error?: string | undefined; info?: string | undefined }): Html {
  const body = html`<div class="signin card">
<h1>${t(v.lang, 'signInTitle')}</h1>
<p class="lead">${t(v.lang, 'signInIntro')}</p>
${o.error ? notice(o.error, 'error') : ''}${o.info ? notice(o.info) : ''}
<form method="post" action="/ui/sign-in">
<input type="hidden" name="next" value="${o.next}">
<label for="key">${t(v.lang, 'apiKey')}</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required placeholder="csvs_…">
<button class="primary" type="submit">${t(v.lang, 'signInButton')}</button>
</form>
</div>`;
  return page(v, { title: t(v.lang, 'signInTitle'), body });
}
