import type { AuthAdapter } from '@galaxyflow/server-adapter';

/** The cookie the test sign-in sets: the user id, as the end-to-end tests choose it. */
export const TEST_USER_COOKIE = 'galaxy_test_user';

/** A test user id: letters, digits, `_` and `-`, so it cannot smuggle anything into a cookie. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The user a `Cookie` header names, or null. */
export function testUserFromCookies(cookieHeader: string | null): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== TEST_USER_COOKIE) continue;
    const value = decodeURIComponent(rest.join('='));
    return USER_ID.test(value) ? value : null;
  }
  return null;
}

/**
 * Stands in for `clerkAuth()` in the end-to-end tests, which cannot reach Clerk: the user is
 * whoever the test sign-in cookie names. Chosen only by `testAuthEnabled()`.
 */
export function testAuth(): AuthAdapter {
  return {
    authenticate(request) {
      const userId = testUserFromCookies(request.headers.get('cookie'));
      return userId ? { userId } : null;
    },
  };
}
