import { TEST_USER_COOKIE } from '../../auth/testAuth';
import { testAuthEnabled } from '../../auth/testAuthMode';

export const dynamic = 'force-dynamic';

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const page = (returnTo: string) => `<!doctype html>
<html lang="en"><head><title>Test sign-in</title></head><body>
<main><h1>Test sign-in</h1>
<form method="post"><input type="hidden" name="redirect_url" value="${returnTo}">
<label>User <input name="user" pattern="[A-Za-z0-9_-]{1,64}" required></label>
<button type="submit">Sign in</button></form></main></body></html>`;

/** Only a relative path on this site: never a redirect elsewhere. */
function safeReturn(value: unknown): string {
  return typeof value === 'string' && /^\/[A-Za-z0-9/_-]*$/.test(value) ? value : '/dashboard';
}

const notFound = () => new Response('Not found', { status: 404 });

/** The end-to-end tests' stand-in for Clerk's sign-in page; 404 unless `testAuthEnabled()`. */
export function GET(request: Request): Response {
  if (!testAuthEnabled()) return notFound();
  const returnTo = safeReturn(new URL(request.url).searchParams.get('redirect_url'));
  return new Response(page(returnTo), { headers: { 'content-type': 'text/html; charset=utf-8' } });
}

export async function POST(request: Request): Promise<Response> {
  if (!testAuthEnabled()) return notFound();
  const form = await request.formData();
  const user = form.get('user');
  if (typeof user !== 'string' || !USER_ID.test(user)) {
    return new Response('Bad user id', { status: 400 });
  }
  const headers = new Headers({ location: safeReturn(form.get('redirect_url')) });
  headers.append('set-cookie', `${TEST_USER_COOKIE}=${user}; Path=/; HttpOnly; SameSite=Lax`);
  return new Response(null, { status: 303, headers });
}
