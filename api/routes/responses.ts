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
};

/** Problem responses for a route's OpenAPI description. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );
}
