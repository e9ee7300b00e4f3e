// One line for a failed connection from the errors Node really throws: fetch's `fetch failed`
// with the system error as its cause, node:http's own errors, a name that does not resolve,
// and the AggregateError of a name with several addresses.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { describeNetworkError } from '../../src/core/network-error.js';
import { freePort } from '../support/cli.js';

const failureOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );

describe('describeNetworkError', () => {
  it('names the system error under fetch failed: code, address and port', async () => {
    const port = await freePort();
    const error = await failureOf(fetch(`http://127.0.0.1:${port}/v1/threads`));
    expect((error as Error).message).toBe('fetch failed');
    expect(describeNetworkError(error)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('reads node:http errors the same way', async () => {
    const port = await freePort();
    const error = await new Promise<unknown>((resolve) => request(`http://127.0.0.1:${port}/v1/traces`).on('error', resolve).end());
    expect(describeNetworkError(error)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('names a host that does not resolve', async () => {
    const error = await failureOf(fetch('http://no-such-host.invalid/v1'));
    expect(describeNetworkError(error)).toMatch(/^getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid$/);
  });

  it('lists the addresses tried when the system error carries only a code (AggregateError)', () => {
    const errors = [
      Object.assign(new Error('connect ECONNREFUSED ::1:4318'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }),
    ];
    const aggregate = Object.assign(new AggregateError(errors, ''), { code: 'ECONNREFUSED' });
    expect(describeNetworkError(new TypeError('fetch failed', { cause: aggregate }))).toBe(
      'connect ECONNREFUSED ::1:4318; connect ECONNREFUSED 127.0.0.1:4318',
    );
  });

  it('puts a code in front of a message that lacks it, and keeps a plain message', () => {
    expect(describeNetworkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('ECONNRESET: socket hang up');
    expect(describeNetworkError(new Error('no answer within 1000 ms'))).toBe('no answer within 1000 ms');
    expect(describeNetworkError('weird')).toBe('weird');
  });
});
