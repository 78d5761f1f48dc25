/** Numbers and dates for people, per language. Times are always UTC, as in the API. */
import { controlById } from '../../workers/controls/index.ts';
import type { ControlStatus } from '../../workers/model/result.ts';
import { type Lang, t } from './i18n.ts';

const LOCALE: Record<Lang, string> = { en: 'en-GB', de: 'de-DE' };

/** `75 %` / `75%`; a level with no workloads shows a dash, not 0 %. */
export function percent(lang: Lang, compliant: number, total: number): string {
  if (total === 0) return '–';
  return new Intl.NumberFormat(LOCALE[lang], { style: 'percent', maximumFractionDigits: 0 }).format(compliant / total);
}

/** A number of percent (0–100) as the language writes it: `75%` / `75 %`. */
export function percentValue(lang: Lang, value: number): string {
  return new Intl.NumberFormat(LOCALE[lang], { style: 'percent', maximumFractionDigits: 0 }).format(value / 100);
}

export function dateTime(lang: Lang, iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const s = new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(d);
  return `${s} UTC`;
}

export function dateOnly(lang: Lang, iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** `3 Nov` / `3. Nov.`: axis labels; with the year (`3 Nov 2025`) where a chart spans more than a month. */
export function shortDay(lang: Lang, day: string, withYear = false): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { month: 'short', day: 'numeric', ...(withYear ? { year: 'numeric' } : {}), timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

export function statusLabel(lang: Lang, status: ControlStatus): string {
  return t(lang, `status_${status}`);
}

/** A control's title in the page's language, from the registry. */
export function controlTitle(lang: Lang, id: string): string {
  return controlById(id)?.title[lang] ?? id;
}

/** A short, stable form of a snapshot id for tables. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
