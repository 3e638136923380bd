import { describe, expect, it } from 'vitest';
import { tokenAuth } from '../auth';
import { createMemoryAuthFailureLimiter, createMemoryRateLimiter } from '../rateLimit';
import { runRateLimiterContract } from '../testing/rateLimitContract';

runRateLimiterContract({
  name: 'in-memory',
  createLimiter: (settings) => createMemoryRateLimiter(settings),
  createAuthFailureLimiter: (settings) => createMemoryAuthFailureLimiter(settings),
});

describe('createMemoryRateLimiter', () => {
  it('keeps at most maxBuckets buckets, so memory stays bounded', () => {
    const limiter = createMemoryRateLimiter({
      default: { limit: 1, windowMs: 60_000 },
      maxBuckets: 2,
      now: () => 0,
    });
    limiter.consume('a', 'r');
    limiter.consume('b', 'r');
    expect(limiter.consume('b', 'r').allowed).toBe(false);
    // A third user: no bucket is idle, so the oldest ('a') is forgotten and starts afresh.
    limiter.consume('c', 'r');
    expect(limiter.consume('a', 'r').allowed).toBe(true);
  });
});

describe('tokenAuth', () => {
  const auth = tokenAuth({ tokens: { 'the-s3cret-token': 'user-1' } });
  const request = (authorization?: string) => ({
    method: 'GET',
    url: '/',
    headers: new Headers(authorization === undefined ? {} : { authorization }),
  });

  it('accepts only the exact bearer token', () => {
    expect(auth.authenticate(request('Bearer the-s3cret-token'))).toEqual({ userId: 'user-1' });
    expect(auth.authenticate(request('bearer the-s3cret-token'))).toEqual({ userId: 'user-1' });
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer the-s3cret-toke',
      'Bearer the-s3cret-token2',
      'Bearer THE-S3CRET-TOKEN',
      'Basic the-s3cret-token',
      'the-s3cret-token',
      'Bearer the-s3cret-token extra',
    ]) {
      expect(auth.authenticate(request(header)), String(header)).toBeNull();
    }
  });

  it('refuses empty tokens in its configuration', () => {
    expect(() => tokenAuth({ tokens: { '': 'user-1' } })).toThrow(/empty/);
    expect(() => tokenAuth({ tokens: { '': 'user-1' } })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_OPTION' }),
    );
  });

  // `{ [process.env.ALICE_TOKEN!]: 'alice' }` with the variable unset is `{ undefined: 'alice' }`:
  // `Bearer undefined` would sign in as alice.
  it.each([
    ['undefined', 'an unset variable'],
    ['null', 'an unset variable'],
    ['   ', 'empty'],
    ['\t\n', 'empty'],
    ['short-token', 'shorter than 16 characters'],
    ['a'.repeat(15), 'shorter than 16 characters'],
  ])('refuses the weak token %j, naming the user it belongs to', (token, why) => {
    let thrown: unknown;
    try {
      tokenAuth({ tokens: { 'a-good-token-0123456789': 'bob', [token]: 'alice' } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'E_INVALID_OPTION',
      details: { option: 'tokens', userId: 'alice' },
    });
    const { message } = thrown as Error;
    expect(message).toContain('"alice"');
    expect(message).toContain(why);
    // The secret itself never reaches a log.
    if (why.startsWith('shorter')) expect(message).not.toContain(token);
  });

  it('takes a 16-character token', () => {
    const strong = tokenAuth({ tokens: { ['a'.repeat(16)]: 'alice' } });
    expect(strong.authenticate(request(`Bearer ${'a'.repeat(16)}`))).toEqual({ userId: 'alice' });
  });
});
