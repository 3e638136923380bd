import { describe, expect, it, vi } from 'vitest';
import { clerkAuth } from '../auth/clerkAuth';

const request = {
  method: 'GET',
  url: '/workflows',
  headers: { get: () => null },
};

describe('clerkAuth', () => {
  it('makes the signed-in Clerk user the Galaxy user', async () => {
    const auth = clerkAuth({ getAuth: async () => ({ userId: 'user_2abc' }) });
    expect(await auth.authenticate(request)).toEqual({ userId: 'user_2abc' });
  });

  it('answers null for a signed-out or pending session, so the API answers 401', async () => {
    const auth = clerkAuth({ getAuth: async () => ({ userId: null }) });
    expect(await auth.authenticate(request)).toBeNull();
  });

  it('maps Clerk ids to the host’s own user ids when asked', async () => {
    const auth = clerkAuth({
      getAuth: async () => ({ userId: 'user_2abc' }),
      toUserId: (id) => `clerk:${id}`,
    });
    expect(await auth.authenticate(request)).toEqual({ userId: 'clerk:user_2abc' });
    const refusing = clerkAuth({
      getAuth: async () => ({ userId: 'user_2abc' }),
      toUserId: () => '',
    });
    expect(await refusing.authenticate(request)).toBeNull();
  });

  it('reads the session of each request anew', async () => {
    const getAuth = vi
      .fn()
      .mockResolvedValueOnce({ userId: 'user_a' })
      .mockResolvedValueOnce({ userId: 'user_b' });
    const auth = clerkAuth({ getAuth });
    expect(await auth.authenticate(request)).toEqual({ userId: 'user_a' });
    expect(await auth.authenticate(request)).toEqual({ userId: 'user_b' });
  });

  it('surfaces a session that cannot be read instead of treating it as signed out', async () => {
    const auth = clerkAuth({
      getAuth: async () => {
        throw new Error('Clerk: Missing secretKey');
      },
    });
    await expect(auth.authenticate(request)).rejects.toThrow(/secretKey/);
  });
});
