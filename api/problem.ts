import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  Conflict,
  DomainError,
  Forbidden,
  IdempotencyMismatch,
  InvalidInput,
  NotAcceptable,
  NotFound,
  RateLimited,
  Busy,
  TooLarge,
  Unauthenticated,
  UnsupportedMediaType,
} from '../services/errors.ts';

/** RFC 9457 problem details; `type` values are stable and documented in docs/api.md. */
export const Problem = z
  .object({
    type: z.string().openapi({ example: 'urn:csvs:problem:validation-error' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'The offending fields, for validation errors' }),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_TYPES = {
  validation: { type: 'urn:csvs:problem:validation-error', title: 'The request is not valid', status: 400 },
  invalidArtifact: { type: 'urn:csvs:problem:invalid-artifact', title: 'An artifact could not be read', status: 422 },
  unauthenticated: { type: 'urn:csvs:problem:unauthenticated', title: 'A valid API key is required', status: 401 },
  forbidden: { type: 'urn:csvs:problem:forbidden', title: 'This key may not do that', status: 403 },
  notFound: { type: 'urn:csvs:problem:not-found', title: 'Not found', status: 404 },
  conflict: { type: 'urn:csvs:problem:conflict', title: 'Conflict', status: 409 },
  idempotencyMismatch: {
    type: 'urn:csvs:problem:idempotency-key-reused',
    title: 'The Idempotency-Key was used for a different request',
    status: 422,
  },
  tooLarge: { type: 'urn:csvs:problem:payload-too-large', title: 'The request body is too large', status: 413 },
  unsupportedMediaType: {
    type: 'urn:csvs:problem:unsupported-media-type',
    title: 'Unsupported content type',
    status: 415,
  },
  notAcceptable: { type: 'urn:csvs:problem:not-acceptable', title: 'Cannot produce that format', status: 406 },
  tooManyRequests: { type: 'urn:csvs:problem:too-many-requests', title: 'Too many requests', status: 429 },
  unavailable: { type: 'urn:csvs:problem:unavailable', title: 'The service is temporarily unavailable', status: 503 },
  internal: { type: 'urn:csvs:problem:internal-error', title: 'Internal error', status: 500 },
} as const;
export type ProblemKind = keyof typeof PROBLEM_TYPES;

/**
 * Retry-After on a 503 while the database cannot be reached: a PostgreSQL restart took 2–4 s here
 * (docs/reliability.md), so a client that waits this long and retries with its Idempotency-Key
 * usually gets through on the first or second try.
 */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 2;

export function problemBody(kind: ProblemKind, detail: string, errors?: Problem['errors']): Problem {
  const t = PROBLEM_TYPES[kind];
  const body: Problem = { type: t.type, title: t.title, status: t.status, detail };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

/** Answers with a problem document. */
export function problem(c: Context, kind: ProblemKind, detail: string, errors?: Problem['errors']): Response {
  const body = problemBody(kind, detail, errors);
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  });
}

/** The one mapping from domain errors to HTTP. Anything unexpected is a 500 without internals. */
export function problemFromError(error: unknown): Problem {
  if (error instanceof DomainError) {
    const kind: ProblemKind =
      error instanceof NotFound
        ? 'notFound'
        : error instanceof IdempotencyMismatch
          ? 'idempotencyMismatch'
          : error instanceof Conflict
            ? 'conflict'
            : error instanceof InvalidInput
              ? 'invalidArtifact'
              : error instanceof TooLarge
                ? 'tooLarge'
                : error instanceof Unauthenticated
                  ? 'unauthenticated'
                  : error instanceof Forbidden
                    ? 'forbidden'
                    : error instanceof UnsupportedMediaType
                      ? 'unsupportedMediaType'
                      : error instanceof NotAcceptable
                        ? 'notAcceptable'
                        : error instanceof RateLimited
                          ? 'tooManyRequests'
                          : error instanceof Busy
                            ? 'unavailable'
                            : 'validation';
    return problemBody(kind, error.message, error.errors);
  }
  return problemBody('internal', 'An unexpected error occurred; it has been logged.');
}
