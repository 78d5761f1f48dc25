import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './errors.ts';

/** An error as postgres.js or PostgreSQL hands it over: a message and a code. */
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
/** As drizzle wraps it: "Failed query: …" with the driver's error as its cause. */
const wrapped = (cause: Error) => Object.assign(new Error('Failed query: select 1\nparams: '), { cause });

describe('isDatabaseUnavailable', () => {
  it.each([
    'CONNECTION_CLOSED',
    'CONNECTION_DESTROYED',
    'CONNECT_TIMEOUT',
    'ECONNREFUSED',
    'ECONNRESET',
    '57P01', // terminating connection due to administrator command (a restart, pg_terminate_backend)
    '57P03', // the database system is starting up
    '53300', // too many connections
    '08006', // connection failure
  ])('%s, bare or wrapped by drizzle, is the database being away', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(coded(code)))).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['22P05', 'untranslatable character'],
    ['22008', 'date/time field value out of range'],
    ['42P01', 'undefined table'],
  ])('%s (%s) is a fault of the query, not an outage', (code) => {
    expect(isDatabaseUnavailable(wrapped(coded(code)))).toBe(false);
  });

  it('anything without a code, or not an error, is not an outage', () => {
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable('CONNECTION_CLOSED')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
