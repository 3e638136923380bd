import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';
import { type NextFetchEvent, type NextRequest, NextResponse } from 'next/server';
import { TEST_SIGN_IN_PATH, testAuthEnabled } from './auth/testAuthMode';
import { testProxy } from './auth/testProxy';

const isDashboard = createRouteMatcher(['/dashboard(.*)']);
const isApi = createRouteMatcher(['/api(.*)']);
/** Answered without a session: load balancers, health checks and API tooling read them. */
const isPublicApi = createRouteMatcher(['/api/health', '/api/ready', '/api/openapi.json']);
const isProtectedApi = (request: NextRequest) => isApi(request) && !isPublicApi(request);

function unauthorized(): NextResponse {
  return NextResponse.json(
    {
      // The same document the API itself answers for E_UNAUTHORIZED.
      type: 'urn:galaxyflow:problem:E_UNAUTHORIZED',
      title: 'Sign in to use this API.',
      status: 401,
      code: 'E_UNAUTHORIZED',
    },
    { status: 401, headers: { 'content-type': 'application/problem+json; charset=utf-8' } },
  );
}

/**
 * Clerk reads the session of every request. The dashboard sends signed-out visitors to sign
 * in; the API answers them 401 as RFC 9457 problem JSON, like every other API error.
 */
const clerk = clerkMiddleware(async (auth, request) => {
  if (isDashboard(request)) {
    await auth.protect();
    return;
  }
  if (isProtectedApi(request)) {
    const { userId } = await auth();
    if (!userId) return unauthorized();
  }
});

export default function proxy(request: NextRequest, event: NextFetchEvent) {
  // The end-to-end tests cannot reach Clerk; see testAuthEnabled for why production cannot get here.
  if (testAuthEnabled()) {
    return testProxy(request, { isDashboard, isProtectedApi }, unauthorized, TEST_SIGN_IN_PATH);
  }
  return clerk(request, event);
}

export const config = {
  matcher: [
    // Everything but Next.js internals and static files.
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
};
