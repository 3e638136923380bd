import { describe, expect, it } from 'vitest';
import { bytesToBase64, parseImageDataUrl, sniffImageType } from './images';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('parseImageDataUrl', () => {
  it('reads a base64 image and reports its real type', () => {
    expect(parseImageDataUrl(`data:image/png;base64,${PNG}`)).toEqual({ mimeType: 'image/png', base64: PNG });
    expect(parseImageDataUrl(`data:;base64,${PNG}`).mimeType).toBe('image/png');
  });

  it('refuses what is not a picture, too large, or not base64', () => {
    expect(() => parseImageDataUrl(`data:image/svg+xml;base64,${btoa('<svg onload="x()"/>')}`)).toThrow(expect.objectContaining({ code: 'E_IMAGE_TYPE' }));
    expect(() => parseImageDataUrl(`data:image/png;base64,${PNG}`, { maxBytes: 10 })).toThrow(expect.objectContaining({ code: 'E_IMAGE_TOO_LARGE' }));
    expect(() => parseImageDataUrl('data:image/png,rawbytes')).toThrow(expect.objectContaining({ code: 'E_IMAGE_INVALID' }));
    expect(() => parseImageDataUrl('data:image/png;base64,@@@@')).toThrow(expect.objectContaining({ code: 'E_IMAGE_INVALID' }));
    expect(() => parseImageDataUrl(`data:image/png;base64,${PNG}`, { allowedTypes: ['image/jpeg'] })).toThrow(expect.objectContaining({ code: 'E_IMAGE_TYPE' }));
  });
});

describe('sniffImageType', () => {
  const bytes = (...values: (number | string)[]) =>
    new Uint8Array(values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])));
  it.each([
    ['image/png', bytes(0x89, 'PNG\r\n', 0x1a, '\n')],
    ['image/jpeg', bytes(0xff, 0xd8, 0xff, 0xe0)],
    ['image/gif', bytes('GIF89a')],
    ['image/webp', bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 ')],
    ['image/heic', bytes(0, 0, 0, 24, 'ftypheic')],
    [undefined, bytes('<html>')],
  ])('recognizes %s', (type, head) => {
    expect(sniffImageType(head)).toBe(type);
  });

  it('round-trips bytes through base64 in chunks', () => {
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(atob(bytesToBase64(big)).length).toBe(100_000);
    expect(bytesToBase64(new Uint8Array([1, 2, 3]))).toBe('AQID');
  });
});
