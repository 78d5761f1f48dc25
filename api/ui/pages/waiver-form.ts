/** The form that grants a waiver or changes one (which supersedes it: see services/waivers.ts). */
import type { TeamRef } from '../../../services/deps.ts';
import type { Waiver } from '../../../services/schemas/waiver.ts';
import { CONTROL_IDS } from '../../../workers/controls/index.ts';
import { notice, teamHref } from '../components.ts';
import { controlTitle, dateOnly } from '../format.ts';
import { type Html, html } from '../html.ts';
import { t } from '../i18n.ts';
import { page, type View } from '../layout.ts';

export interface WaiverFormValues {
  control: string;
  workloads: string;
  environment: string;
  justification: string;
  /** `YYYY-MM-DD` (UTC): the waiver runs to the end of that day. */
  expires: string;
}

export interface WaiverFormData {
  team: TeamRef & { name: string };
  /** The waiver being changed; absent for a new one. */
  editing?: Waiver;
  values: WaiverFormValues;
  /** Field → message, in the page's language. */
  errors: Record<string, string>;
  today: string;
  latest: string;
}

const field = (errors: Record<string, string>, name: string): Html =>
  errors[name] ? html`<p class="field-error" id="${name}-error">${errors[name]}</p>` : html``;
const described = (errors: Record<string, string>, name: string): Html => (errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : html``);

export function waiverFormPage(v: View, d: WaiverFormData): Html {
  const { lang } = v;
  const e = d.errors;
  const action = d.editing ? `${teamHref(d.team.slug)}/waivers/${d.editing.id}` : `${teamHref(d.team.slug)}/waivers`;
  const title = d.editing ? t(lang, 'waiverEditTitle', { control: d.editing.control }) : t(lang, 'waiverNewTitle');
  const body = html`<p class="crumbs"><a href="/ui">${t(lang, 'navOverview')}</a> › <a href="${teamHref(d.team.slug)}">${d.team.name}</a> › ${title}</p>
<h1>${title}</h1>
<p class="lead">${t(lang, d.editing ? 'waiverEditIntro' : 'waiverNewIntro')}</p>
${Object.keys(e).length > 0 ? notice(t(lang, 'waiverInvalid'), 'error') : ''}
<form class="card stacked" method="post" action="${action}" novalidate>
<div><label for="control">${t(lang, 'control')}</label>
<select id="control" name="control"${described(e, 'control')}>${CONTROL_IDS.map((id) => html`<option value="${id}"${id === d.values.control ? ' selected' : ''}>${id} ${controlTitle(lang, id)}</option>`)}</select>${field(e, 'control')}</div>
<div><label for="workloads">${t(lang, 'pattern')}</label>
<input id="workloads" name="workloads" value="${d.values.workloads}" required spellcheck="false"${described(e, 'workloads')}>
<p class="hint" id="workloads-hint">${t(lang, 'waiverPatternHint')}</p>${field(e, 'workloads')}</div>
<div><label for="environment">${t(lang, 'environment')}</label>
<input id="environment" name="environment" value="${d.values.environment}" spellcheck="false"${described(e, 'environment')}>
<p class="hint">${t(lang, 'waiverEnvHint')}</p>${field(e, 'environment')}</div>
<div><label for="justification">${t(lang, 'justification')}</label>
<textarea id="justification" name="justification" rows="4" required${described(e, 'justification')}>${d.values.justification}</textarea>${field(e, 'justification')}</div>
<div><label for="expires">${t(lang, 'expires')}</label>
<input id="expires" name="expires" type="date" value="${d.values.expires}" min="${d.today}" max="${d.latest}" required${described(e, 'expires')}>
<p class="hint">${t(lang, 'waiverExpiresHint', { latest: dateOnly(lang, d.latest) })}</p>${field(e, 'expires')}</div>
<div class="actions"><button class="primary" type="submit">${t(lang, d.editing ? 'waiverSave' : 'waiverGrant')}</button> <a href="${teamHref(d.team.slug)}#waivers-h">${t(lang, 'cancel')}</a></div>
</form>`;
  return page(v, { title, section: 'overview', body });
}
