import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';
import { NextResponse } from 'next/server';

const isDashboard = createRouteMatcher(['/dashboard(.*)']);
const isApi = createRouteMatcher(['/api(.*)']);
/** Answered without a session: load balancers, health checks and API tooling read them. */
const isPublicApi = createRouteMatcher(['/api/health', '/api/ready', '/api/openapi.json']);

/**
 * Clerk reads the session of every request. The dashboard sends signed-out visitors to sign
 * in; the API answers them 401 as RFC 9457 problem JSON, like every other API error.
 */
export default clerkMiddleware(async (auth, request) => {
  if (isDashboard(request)) {
    await auth.protect();
    return;
  }
  if (isApi(request) && !isPublicApi(request)) {
    const { userId } = await auth();
    if (!userId) {
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
  }
});

export const config = {
  matcher: [
    // Everything but Next.js internals and static files.
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
};
