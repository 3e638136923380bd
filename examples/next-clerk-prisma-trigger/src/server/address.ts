import type { ServerEnv } from './env';

/**
 * Where the API sits and whose address a request is. A web Request carries no address of its
 * own, so failed sign-ins are throttled per address only when `GALAXY_TRUST_PROXY` says a
 * proxy appends the caller's to `X-Forwarded-For`; trusting the header without one would let
 * a client dodge the limit by sending a new address each time.
 */
export function addressOptions(env: Pick<ServerEnv, 'GALAXY_TRUST_PROXY'>): {
  basePath: string;
  trustProxy: boolean;
} {
  return { basePath: '/api', trustProxy: env.GALAXY_TRUST_PROXY };
}
