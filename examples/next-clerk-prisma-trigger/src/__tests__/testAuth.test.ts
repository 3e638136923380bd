import { afterEach, describe, expect, it, vi } from 'vitest';
import { GET, POST } from '../app/e2e-sign-in/route';
import { testAuth, testUserFromCookies } from '../auth/testAuth';
import { testAuthEnabled } from '../auth/testAuthMode';

const request = (cookie: string | null) => ({
  method: 'GET',
  url: '/workflows',
  headers: { get: (name: string) => (name === 'cookie' ? cookie : null) },
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the test sign-in seam', () => {
  it('is on only with NODE_ENV=test and GALAXY_TEST_AUTH=1 together', () => {
    expect(testAuthEnabled({ NODE_ENV: 'test', GALAXY_TEST_AUTH: '1' })).toBe(true);
    expect(testAuthEnabled({ NODE_ENV: 'production', GALAXY_TEST_AUTH: '1' })).toBe(false);
    expect(testAuthEnabled({ NODE_ENV: 'development', GALAXY_TEST_AUTH: '1' })).toBe(false);
    expect(testAuthEnabled({ GALAXY_TEST_AUTH: '1' })).toBe(false);
    expect(testAuthEnabled({ NODE_ENV: 'test', GALAXY_TEST_AUTH: 'true' })).toBe(false);
    expect(testAuthEnabled({ NODE_ENV: 'test' })).toBe(false);
  });

  it('names the user of its cookie, and nobody for a missing or malformed one', async () => {
    const auth = testAuth();
    expect(await auth.authenticate(request('theme=dark; galaxy_test_user=alice'))).toEqual({
      userId: 'alice',
    });
    expect(await auth.authenticate(request(null))).toBeNull();
    expect(await auth.authenticate(request('galaxy_test_user='))).toBeNull();
    expect(testUserFromCookies('galaxy_test_user=al%20ice')).toBeNull();
    expect(testUserFromCookies(`galaxy_test_user=${'a'.repeat(65)}`)).toBeNull();
  });

  it('answers 404 from the sign-in page unless the seam is on', async () => {
    vi.stubEnv('GALAXY_TEST_AUTH', '');
    expect(GET(new Request('http://h/e2e-sign-in')).status).toBe(404);
    const form = new FormData();
    form.set('user', 'alice');
    const post = await POST(new Request('http://h/e2e-sign-in', { method: 'POST', body: form }));
    expect(post.status).toBe(404);
    expect(post.headers.get('set-cookie')).toBeNull();
  });

  it('signs in and goes back only to a path on this site', async () => {
    vi.stubEnv('NODE_ENV', 'test');
    vi.stubEnv('GALAXY_TEST_AUTH', '1');
    const form = new FormData();
    form.set('user', 'alice');
    form.set('redirect_url', 'https://evil.example/');
    const post = await POST(new Request('http://h/e2e-sign-in', { method: 'POST', body: form }));
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/dashboard');
    expect(post.headers.get('set-cookie')).toContain('galaxy_test_user=alice');
  });
});
