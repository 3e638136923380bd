import { type NextRequest, NextResponse } from 'next/server';
import { testUserFromCookies } from './testAuth';

/** The proxy's rules with the test sign-in instead of Clerk: the same gate, the same 401. */
export function testProxy(
  request: NextRequest,
  rules: { isDashboard: (r: NextRequest) => boolean; isProtectedApi: (r: NextRequest) => boolean },
  unauthorized: () => NextResponse,
  signInPath: string,
): NextResponse | undefined {
  const userId = testUserFromCookies(request.headers.get('cookie'));
  if (userId) return undefined;
  if (rules.isDashboard(request)) {
    const url = new URL(signInPath, request.url);
    url.searchParams.set('redirect_url', request.nextUrl.pathname);
    return NextResponse.redirect(url);
  }
  if (rules.isProtectedApi(request)) return unauthorized();
  return undefined;
}
