/**
 * Domain errors. They know nothing of HTTP; api/problem.ts alone maps them to statuses.
 */
export class DomainError extends Error {
  /** Offending fields for validation errors: `{ path, message }`. */
  readonly errors: { path: string; message: string }[];
  constructor(message: string, errors: { path: string; message: string }[] = []) {
    super(message);
    this.errors = errors;
  }
}
export class NotFound extends DomainError {
  override name = 'NotFound';
}
export class Conflict extends DomainError {
  override name = 'Conflict';
}
/** The request is well-formed but its content is not acceptable (an unparsable artifact, …). */
export class InvalidInput extends DomainError {
  override name = 'InvalidInput';
}
export class TooLarge extends DomainError {
  override name = 'TooLarge';
}
export class Unauthenticated extends DomainError {
  override name = 'Unauthenticated';
}
export class Forbidden extends DomainError {
  override name = 'Forbidden';
}
/** An idempotency key reused with a different request. */
export class IdempotencyMismatch extends DomainError {
  override name = 'IdempotencyMismatch';
}
export class UnsupportedMediaType extends DomainError {
  override name = 'UnsupportedMediaType';
}
/** Too many requests from one client or key: try again after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  override name = 'RateLimited';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** The service has as much of this kind of work in hand as it takes: try again after `retryAfterSeconds`. */
export class Busy extends DomainError {
  override name = 'Busy';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** A well-formed request that asks for a format this endpoint cannot produce. */
export class NotAcceptable extends DomainError {
  override name = 'NotAcceptable';
}
