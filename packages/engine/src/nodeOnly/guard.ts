import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { GalaxyError } from '../errors';
import { type AddressVerdict, checkAddress, checkUrl } from './addressPolicy';

/** Resolves a host name to addresses, like `dns.lookup` with `{ all: true }`. */
export type HostResolver = (hostname: string, family: 0 | 4 | 6) => Promise<LookupAddress[]>;

/** What the SSRF guard is told: how to resolve names, which addresses to exempt, how to say no. */
export interface AddressGuardOptions {
  /** Schemes allowed. */
  protocols: readonly ('http:' | 'https:')[];
  /** Resolves host names at connect time. Default: the system resolver (`dns.lookup`). */
  resolve?: HostResolver | undefined;
  /** Exact IP addresses exempt from the policy. Default none. */
  allowAddresses?: readonly string[] | undefined;
  /** The error for a refused target, with the reason in words. */
  blocked: (target: string, reason: string) => GalaxyError;
}

/** The two checks of a guarded request: one on each URL before connecting, one on what DNS returned. */
export interface AddressGuard {
  /** Throws the `blocked` error when a URL (the first, or a redirect's) may not be fetched. */
  checkHop(url: URL): void;
  /** A `lookup` for `http.request` that refuses names resolving to a refused address. */
  lookup: LookupFunction;
}

const systemResolve: HostResolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/**
 * The SSRF guard the image fetcher and the HTTP requester share: URLs are checked before any
 * connection (scheme, credentials, IP literals in any spelling, local names), and every address
 * a name resolves to is checked at connect time, so DNS rebinding is refused too.
 */
export function createAddressGuard(options: AddressGuardOptions): AddressGuard {
  const resolve = options.resolve ?? systemResolve;
  const exempt = new Set(options.allowAddresses ?? []);
  const permitted = (address: string): AddressVerdict =>
    exempt.has(address) ? { allowed: true } : checkAddress(address);

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const family = (
      lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0
    ) as 0 | 4 | 6;
    resolve(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(
            Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }),
            '',
            4,
          );
          return;
        }
        for (const { address } of addresses) {
          const verdict = permitted(address);
          if (!verdict.allowed) {
            callback(
              options.blocked(
                hostname,
                `${hostname} resolves to ${verdict.reason}`,
              ) as unknown as NodeJS.ErrnoException,
              '',
              4,
            );
            return;
          }
        }
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

  function checkHop(url: URL): void {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (exempt.has(host) && options.protocols.includes(url.protocol as 'http:')) return;
    const verdict = checkUrl(url, options.protocols);
    if (!verdict.allowed) throw options.blocked(url.href, verdict.reason);
  }

  return { checkHop, lookup };
}
