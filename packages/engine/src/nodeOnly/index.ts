export { checkAddress, checkUrl, formatIPv4, parseIPv4, parseIPv6 } from './addressPolicy';
export type { AddressVerdict } from './addressPolicy';
export { createImageFetcher } from './imageFetcher';
export type { HostResolver, ImageFetcherOptions } from './imageFetcher';
export { createHttpRequester } from './httpRequester';
export type { HttpRequesterOptions } from './httpRequester';
