import { Problem } from '../problem.ts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (problem document names the fields)',
  401: 'No valid API key',
  403: 'The key may not do this',
  404: 'Not found',
  406: 'The requested format cannot be produced',
  409: 'Conflict',
  413: 'The body is too large',
  415: 'Unsupported content type',
  422: 'The content is not acceptable',
  429: 'Too many requests from this key or address; Retry-After says when to try again',
  503: 'The database cannot be reached right now, or the service is as busy as it gets; retry after Retry-After seconds',
};

/** What every operation may answer, whatever it does: rate limits and outages. */
const ALWAYS = [429, 503];

/** Problem responses for a route's OpenAPI description (429 and 503 are added to every one). */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    [...statuses, ...ALWAYS.filter((s) => !statuses.includes(s))].map((s) => [
      s,
      { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );
}
