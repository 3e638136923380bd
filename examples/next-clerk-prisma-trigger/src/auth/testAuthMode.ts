/** Switches Clerk off for the end-to-end tests, which cannot reach Clerk. */
export const TEST_AUTH_VARIABLE = 'GALAXY_TEST_AUTH';

/** Where the test sign-in lives; it answers 404 unless `testAuthEnabled()`. */
export const TEST_SIGN_IN_PATH = '/e2e-sign-in';

/**
 * Whether the test sign-in replaces Clerk. Both conditions are needed, so a production
 * deployment cannot turn it on with one stray variable: `next start` and `next build` run with
 * NODE_ENV=production unless told otherwise. Read from the environment object at request time
 * (a literal `process.env.NODE_ENV` would be fixed at build time).
 */
export function testAuthEnabled(
  env: {
    readonly NODE_ENV?: string | undefined;
    readonly GALAXY_TEST_AUTH?: string | undefined;
  } = process.env,
): boolean {
  return env.NODE_ENV === 'test' && env.GALAXY_TEST_AUTH === '1';
}
