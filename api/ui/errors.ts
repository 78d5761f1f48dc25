/**
 * What an error page says, in the page's language. Errors thrown for the dashboard carry a
 * message key (`localized`); errors from below (auth, services) speak English to the API, so the
 * page says what kind of problem it is in its own words, and adds the English detail only on
 * English pages.
 */
import { HTTPException } from 'hono/http-exception';
import { DomainError, Forbidden, NotFound } from '../../services/errors.ts';
import { type Lang, type MessageKey, t } from './i18n.ts';

type Params = Record<string, string | number>;
const WORDS = new WeakMap<Error, { key: MessageKey; params: Params }>();

/** Gives an error the words a page shows for it; returns the error, for `throw localized(…)`. */
export function localized<E extends Error>(err: E, key: MessageKey, params: Params = {}): E {
  WORDS.set(err, { key, params });
  return err;
}

export interface ErrorText {
  status: 400 | 403 | 404 | 413 | 500;
  title: string;
  /** Paragraphs, all in the page's language. */
  detail: string[];
}

/** The status, title and explanation of an error page. */
export function errorText(err: Error, lang: Lang): ErrorText | null {
  const own = WORDS.get(err);
  const kind =
    err instanceof Forbidden
      ? ({ status: 403, title: 'forbiddenTitle', text: 'forbiddenText' } as const)
      : err instanceof NotFound
        ? ({ status: 404, title: 'notFoundTitle', text: 'notFoundText' } as const)
        : err instanceof DomainError
          ? ({ status: 400, title: 'invalidTitle', text: 'invalidText' } as const)
          : err instanceof HTTPException && err.status === 413
            ? ({ status: 413, title: 'invalidTitle', text: 'tooLargeText' } as const)
            : err instanceof HTTPException && err.status < 500
              ? ({ status: 400, title: 'invalidTitle', text: 'invalidText' } as const)
              : null;
  if (!kind) return null;
  if (own) return { status: kind.status, title: t(lang, kind.title), detail: [t(lang, own.key, own.params)] };
  const detail = [t(lang, kind.text)];
  // The service's own words are English: shown on English pages only.
  if (lang === 'en' && err.message) detail.push(`${t(lang, 'details')}: ${err.message}`);
  return { status: kind.status, title: t(lang, kind.title), detail };
}
