import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { TEST_USER_COOKIE, testUserFromCookies } from './testAuth';
import { TEST_SIGN_IN_PATH, testAuthEnabled } from './testAuthMode';

/** The signed-in user of the page being rendered, or null: Clerk's, or the test sign-in's. */
export async function signedInUserId(): Promise<string | null> {
  if (testAuthEnabled()) {
    const jar = await cookies();
    const value = jar.get(TEST_USER_COOKIE)?.value;
    return value ? testUserFromCookies(`${TEST_USER_COOKIE}=${value}`) : null;
  }
  const { auth } = await import('@clerk/nextjs/server');
  return (await auth()).userId;
}

/** The signed-in user, or a redirect to sign in (Clerk's sign-in, or the test one). */
export async function requireSignedIn(returnTo: string): Promise<string> {
  if (testAuthEnabled()) {
    const userId = await signedInUserId();
    if (!userId) redirect(`${TEST_SIGN_IN_PATH}?redirect_url=${encodeURIComponent(returnTo)}`);
    return userId;
  }
  const { auth } = await import('@clerk/nextjs/server');
  return (await auth.protect()).userId;
}
