/**
 * Which network addresses a server may fetch on a user's behalf. Pure functions: they make
 * the SSRF decision for an address string and are applied both to URL hosts and to every
 * address DNS returns at connect time.
 */

/** The decision about one address or URL. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: AddressVerdict = Object.freeze({ allowed: true });
const deny = (reason: string): AddressVerdict => ({ allowed: false, reason });

/**
 * Reads an IPv4 address in any form `inet_aton` accepts, as browsers' and curl's URL
 * parsers do: `127.0.0.1`, `2130706433`, `0x7f000001`, `017700000001`, `127.1`, `0x7f.0.0.1`.
 * Returns the address as an unsigned 32-bit number, or undefined when it is not one.
 */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.length === 0) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = Number.parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return undefined;
    if (!Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let address = 0;
  values.forEach((v, i) => {
    address += v * 2 ** (8 * (3 - i));
  });
  return address + last;
}

/** Formats a 32-bit IPv4 number as a dotted quad. */
export function formatIPv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Reads an IPv6 address (with `::`, an embedded dotted quad, optional brackets) into 8 groups; zone ids are refused. */
export function parseIPv6(text: string): number[] | undefined {
  const input = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!input.includes(':') || input.includes('%')) return undefined;
  let head = input;
  const tail: number[] = [];
  const quad = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(input);
  if (quad) {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(quad[2]!);
    if (!v4 || v4.slice(1).some((octet) => Number(octet) > 255)) return undefined;
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail.push(a * 256 + b, c * 256 + d);
    head = quad[1]!.endsWith('::') ? quad[1]! : quad[1]!.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const parse = (group: string) => (/^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : Number.NaN);
  const leftValues = left.map(parse);
  const rightValues = [...right.map(parse), ...tail];
  if ([...leftValues, ...rightValues].some(Number.isNaN)) return undefined;
  const missing = 8 - leftValues.length - rightValues.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...leftValues, ...new Array<number>(missing).fill(0), ...rightValues];
}

const IPV4_BLOCKS: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address (also cloud metadata on some providers)'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved or broadcast address'],
];
const IPV4_TABLE = IPV4_BLOCKS.map(([base, bits, reason]) => ({ base: parseIPv4(base)!, size: 2 ** (32 - bits), reason }));

function checkIPv4(address: number): AddressVerdict {
  for (const block of IPV4_TABLE) {
    if (address >= block.base && address < block.base + block.size) return deny(`${formatIPv4(address)} is ${block.reason}`);
  }
  return ALLOWED;
}

function embedded(verdict: AddressVerdict, form: string): AddressVerdict {
  return verdict.allowed ? verdict : deny(`${verdict.reason}, written as ${form}`);
}

function checkIPv6(g: number[], text: string): AddressVerdict {
  const v4 = (hi: number, lo: number) => hi * 65536 + lo;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return deny(`${text} is the unspecified address`);
  if (zeros(0, 7) && g[7] === 1) return deny(`${text} is the loopback address`);
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(checkIPv4(v4(g[6]!, g[7]!)), 'an IPv4-mapped IPv6 address');
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(checkIPv4(v4(g[6]!, g[7]!)), 'an IPv4-translated IPv6 address');
  if (zeros(0, 6)) return embedded(checkIPv4(v4(g[6]!, g[7]!)), 'an IPv4-compatible IPv6 address');
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(checkIPv4(v4(g[6]!, g[7]!)), 'a NAT64 address');
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return deny(`${text} is a local-use NAT64 address`);
  if (g[0] === 0x2002) return embedded(checkIPv4(v4(g[1]!, g[2]!)), 'a 6to4 address');
  if (g[0] === 0x2001 && g[1] === 0) return deny(`${text} is a Teredo address`);
  if (g[0] === 0x2001 && g[1] === 0x0db8) return deny(`${text} is a documentation address`);
  if (g[0] === 0x0100 && zeros(1, 4)) return deny(`${text} is a discard-only address`);
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return deny(`${text} is a unique-local (private) address`);
  if ((first & 0xffc0) === 0xfe80) return deny(`${text} is a link-local address`);
  if ((first & 0xffc0) === 0xfec0) return deny(`${text} is a site-local address`);
  if ((first & 0xff00) === 0xff00) return deny(`${text} is a multicast address`);
  if ((first & 0xe000) !== 0x2000) return deny(`${text} is not a global unicast address`);
  if (g[0] === 0x2001 && g[1]! < 0x200) return deny(`${text} is an IETF protocol address`);
  return ALLOWED;
}

/**
 * Decides whether a server may connect to an IP address. Refuses loopback, private,
 * link-local (cloud metadata), CGNAT, unspecified, multicast, documentation and reserved
 * ranges, and the same addresses hidden in IPv6 forms (IPv4-mapped, -compatible, NAT64, 6to4).
 * A string that is not an IP address is refused too.
 */
export function checkAddress(address: string): AddressVerdict {
  const v6 = parseIPv6(address);
  if (v6) return checkIPv6(v6, address);
  const v4 = /^[0-9a-fx.]+$/i.test(address) ? parseIPv4(address) : undefined;
  if (v4 !== undefined) return checkIPv4(v4);
  return deny(`${address} is not an IP address`);
}

const BLOCKED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data', 'instance-data.ec2.internal']);

/**
 * Decides whether a URL may be fetched before any connection: http(s) only, no
 * credentials, no IP literal outside the public ranges (in any numeric form), no local
 * names. Names that pass are checked again, per resolved address, when connecting. Takes a
 * `URL` or a string; a string that does not parse as an absolute URL is refused, not thrown.
 */
export function checkUrl(input: URL | string, protocols: readonly string[] = ['http:', 'https:']): AddressVerdict {
  const url = typeof input === 'string' ? URL.parse(input) : input;
  if (url === null) return deny('not a valid absolute URL');
  if (!protocols.includes(url.protocol)) return deny(`the ${url.protocol.replace(/:$/, '')}: scheme is not allowed (use ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')})`);
  if (url.username || url.password) return deny('URLs with credentials are not allowed');
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return checkAddress(host.slice(1, -1));
  if (/^[0-9a-fx.]+$/i.test(host) && parseIPv4(host) !== undefined) return checkAddress(host);
  if (BLOCKED_NAMES.has(host) || host.endsWith('.localhost')) return deny(`${host} is a local name`);
  return ALLOWED;
}
