import { describe, expect, it } from 'vitest';
import { checkAddress, checkUrl, parseIPv4, parseIPv6 } from './addressPolicy';

describe('checkAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['192.0.0.192', 'IETF'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'IPv4-mapped'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::a9fe:a9fe', 'NAT64'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['fe80::1%eth0', 'not an IP address'],
    ['example.com', 'not an IP address'],
  ])('refuses %s (%s)', (address, reason) => {
    const verdict = checkAddress(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? '' : verdict.reason).toContain(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1', '2a00:1450:4001:80b::200e'])(
    'allows the public address %s',
    (address) => {
      expect(checkAddress(address)).toEqual({ allowed: true });
    },
  );
});

describe('numeric address forms', () => {
  it.each([
    ['2130706433', 0x7f000001],
    ['0x7f000001', 0x7f000001],
    ['017700000001', 0x7f000001],
    ['0177.0.0.1', 0x7f000001],
    ['0x7f.0.0.1', 0x7f000001],
    ['127.1', 0x7f000001],
    ['127.0.1', 0x7f000001],
    ['0', 0],
  ])('reads %s as the same address', (text, value) => {
    expect(parseIPv4(text)).toBe(value);
    expect(checkAddress(text).allowed).toBe(false);
  });

  it('refuses malformed addresses rather than guessing', () => {
    expect(parseIPv4('256.1.1.1')).toBeUndefined();
    expect(parseIPv4('1.2.3.4.5')).toBeUndefined();
    expect(parseIPv4('08.1.1.1')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('::ffff:1.2.3.256')).toBeUndefined();
  });
});

describe('checkUrl', () => {
  it.each([
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://017700000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/',
    'http://localhost:8080/',
    'http://LOCALHOST./',
    'http://app.localhost/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'file:///etc/passwd',
    'ftp://example.com/a.png',
    'gopher://example.com/',
    'https://user:secret@example.com/a.png',
  ])('refuses %s', (url) => {
    expect(checkUrl(new URL(url)).allowed).toBe(false);
  });

  it.each(['https://example.com/cat.png', 'http://93.184.216.34/x.png', 'https://[2606:4700:4700::1111]/a.png'])('allows %s', (url) => {
    expect(checkUrl(new URL(url))).toEqual({ allowed: true });
  });

  it('can be narrowed to https only', () => {
    expect(checkUrl(new URL('http://example.com/a.png'), ['https:']).allowed).toBe(false);
  });

  it('takes a string as well as a URL, and refuses one that is not an absolute URL instead of throwing', () => {
    expect(checkUrl('https://example.com/cat.png')).toEqual({ allowed: true });
    expect(checkUrl('http://[::1]/').allowed).toBe(false);
    expect(checkUrl('/relative/cat.png')).toEqual({ allowed: false, reason: 'not a valid absolute URL' });
    expect(checkUrl('not a url').allowed).toBe(false);
  });
});
