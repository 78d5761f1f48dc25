/**
 * Texts in both languages the service speaks. A finding's observation and remediation are made
 * once, where the rule decides, as a {@link Text}: an English and a German template filled with
 * the same parameters. Parameters are language-neutral (names, paths, code, numbers) or Texts
 * themselves (a fragment such as "init container" / "Init-Container"), so every word of a German
 * finding is German. Stored findings keep `message`/`remediation` in English, as older readers
 * expect, and carry the German beside them (`de`); {@link findingIn} picks one.
 */
import type { Finding } from './result.ts';

export const LANGS = ['en', 'de'] as const;
export type Lang = (typeof LANGS)[number];

/** A text in English and German. */
export interface Text {
  en: string;
  de: string;
}

export type TextParam = string | number | Text;

function isText(v: TextParam): v is Text {
  return typeof v === 'object' && v !== null;
}

/** A template cut at its `{name}` placeholders: literal text at even places, names at odd ones. */
const compiled = new Map<string, readonly string[]>();

function parts(template: string): readonly string[] {
  let cut = compiled.get(template);
  if (!cut) {
    // split with a capturing group keeps the names at the odd places.
    cut = template.split(/\{(\w+)\}/);
    // Bounded in case a template is ever made at run time.
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(template, cut);
  }
  return cut;
}

/**
 * Every finding is made in both languages, so this runs twice per finding: the templates are cut
 * once (a few hundred of them, all in the source) rather than matched by a regular expression on
 * every call, which was a sixth of evaluating a snapshot.
 */
function fill(template: string, params: Readonly<Record<string, TextParam>>, lang: Lang): string {
  const cut = parts(template);
  let out = cut[0] ?? '';
  for (let i = 1; i < cut.length; i += 2) {
    const name = cut[i] ?? '';
    const v = params[name];
    out += v === undefined ? `{${name}}` : isText(v) ? v[lang] : String(v);
    out += cut[i + 1] ?? '';
  }
  return out;
}

/** Fills the `{name}` placeholders of both templates; a Text parameter gives each language its own words. */
export function tx(template: Text, params: Readonly<Record<string, TextParam>> = {}): Text {
  return { en: fill(template.en, params, 'en'), de: fill(template.de, params, 'de') };
}

/** Language-neutral text (code, a name, a path): the same in both languages. */
export function lit(text: string | number): Text {
  return { en: String(text), de: String(text) };
}

/** Parts joined with a separator, each language on its own. */
export function joinTexts(parts: readonly TextParam[], separator: TextParam = ', '): Text {
  const sep = isText(separator) ? separator : lit(separator);
  const of = (lang: Lang): string => parts.map((p) => (isText(p) ? p[lang] : String(p))).join(sep[lang]);
  return { en: of('en'), de: of('de') };
}

/** Parts written one after another. */
export function concat(...parts: TextParam[]): Text {
  return joinTexts(parts, '');
}

export const EMPTY: Text = { en: '', de: '' };

const catalogs = new Map<string, Readonly<Record<string, Text>>>();

/**
 * A module's templates, named and registered, so a test can walk every one of them (each has a
 * German text, and no English is left in it). Returns the entries as given.
 */
export function defineTexts<K extends string>(scope: string, entries: Readonly<Record<K, Text>>): Readonly<Record<K, Text>> {
  catalogs.set(scope, entries);
  return entries;
}

/** Every registered template, by `scope.name`. */
export function registeredTexts(): Map<string, Text> {
  const out = new Map<string, Text>();
  for (const [scope, entries] of catalogs) for (const [name, t] of Object.entries(entries)) out.set(`${scope}.${name}`, t);
  return out;
}

/** A sentence's first letter in upper case (both languages). */
export function capitalised(t: Text): Text {
  const up = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return { en: up(t.en), de: up(t.de) };
}

/** "line 12" is the one location written in words; JSON pointers and YAML paths read the same in every language. */
export function locationIn(location: string, lang: Lang): string {
  if (lang === 'en') return location;
  return location.replace(/^line (\d+)$/, 'Zeile $1').replace(/^lines (\d+)[–-](\d+)$/, 'Zeilen $1–$2');
}

/**
 * A finding as shown in a language: its German texts where it carries them (findings stored
 * before German was added carry none and stay English), the location's words translated.
 */
export function findingIn<F extends Finding>(f: F, lang: Lang): F {
  if (lang === 'en') return f;
  const out: F = { ...f, location: locationIn(f.location, lang) };
  if (f.de) {
    out.message = f.de.message;
    if (f.remediation !== undefined && f.de.remediation !== undefined) out.remediation = f.de.remediation;
  }
  return out;
}

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'de';
}

/** The first supported language of an Accept-Language header, by weight; English otherwise. */
export function langFromAcceptLanguage(header: string | undefined | null): Lang {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().slice(0, 2), q: q === undefined ? 1 : Number(q) };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((x) => x.lang).find(isLang) ?? 'en';
}
