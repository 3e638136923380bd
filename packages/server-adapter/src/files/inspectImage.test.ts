import { describe, expect, it } from 'vitest';
import { GPS_MARKER, makeGif, makeJpeg, makePng, makeWebp } from '../__tests__/fixtures/images';
import { type ImageInfo, type InspectOptions, inspectImage } from './inspectImage';

async function* pieces(bytes: Uint8Array, size = 7) {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

async function inspect(bytes: Uint8Array, options: Partial<InspectOptions> = {}) {
  let info: ImageInfo | undefined;
  const out: Uint8Array[] = [];
  for await (const part of inspectImage(pieces(bytes), {
    declaredType: null,
    maxPixels: 40_000_000,
    stripExif: true,
    onInfo: (found) => {
      info = found;
    },
    ...options,
  })) {
    out.push(part);
  }
  return { info, bytes: Buffer.concat(out) };
}

describe('inspectImage', () => {
  it.each([
    ['PNG', makePng(3, 2), 'image/png', 3, 2],
    ['GIF', makeGif(40, 30), 'image/gif', 40, 30],
    ['WebP', makeWebp(640, 480), 'image/webp', 640, 480],
    ['JPEG', makeJpeg({ width: 800, height: 600 }), 'image/jpeg', 800, 600],
  ])('reads a %s by its bytes and passes it through unchanged', async (_, file, type, w, h) => {
    const result = await inspect(file, { declaredType: 'application/octet-stream' });
    expect(result.info).toEqual({ contentType: type, width: w, height: h });
    expect(result.bytes.equals(file)).toBe(true);
  });

  it('refuses an empty file, bytes of another type and a type the bytes contradict', async () => {
    await expect(inspect(new Uint8Array(0))).rejects.toMatchObject({ code: 'E_FILE_INVALID' });
    await expect(
      inspect(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ).rejects.toMatchObject({
      code: 'E_FILE_TYPE_NOT_ALLOWED',
      status: 415,
    });
    await expect(inspect(makePng(2, 2), { declaredType: 'image/jpeg' })).rejects.toMatchObject({
      code: 'E_FILE_TYPE_NOT_ALLOWED',
      message: 'The file was sent as image/jpeg but its bytes are image/png.',
    });
  });

  it.each([
    ['PNG', makePng(4, 4)],
    ['GIF', makeGif(4, 4)],
    ['WebP', makeWebp(4, 4)],
    ['JPEG', makeJpeg({ width: 4, height: 4 })],
  ])('refuses a truncated %s once its last byte arrived', async (_, file) => {
    await expect(inspect(file.subarray(0, file.byteLength - 5))).rejects.toMatchObject({
      code: 'E_FILE_INVALID',
      status: 422,
    });
  });

  it('refuses a header claiming more pixels than allowed before passing any byte on', async () => {
    const bomb = makePng(2, 2, { width: 10_000, height: 5_000 });
    const seen: Uint8Array[] = [];
    const run = async () => {
      for await (const part of inspectImage(pieces(bomb), {
        declaredType: null,
        maxPixels: 40_000_000,
        stripExif: true,
        onInfo: () => undefined,
      })) {
        seen.push(part);
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'E_FILE_TOO_LARGE', status: 413 });
    expect(seen).toEqual([]);
    await expect(inspect(makePng(2, 2, { width: 8000, height: 5000 }))).resolves.toBeDefined();
  });

  it('strips JPEG EXIF (the GPS position) but keeps the orientation', async () => {
    const photo = makeJpeg({ width: 40, height: 30, orientation: 6 });
    expect(photo.includes(GPS_MARKER)).toBe(true);
    const { bytes, info } = await inspect(photo);
    expect(info).toEqual({ contentType: 'image/jpeg', width: 40, height: 30 });
    expect(bytes.includes(GPS_MARKER)).toBe(false);
    // The orientation segment comes right after SOI: big-endian tag 0x0112 with value 6.
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe1]));
    expect(bytes.includes(Buffer.from([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6]))).toBe(true);
    // The image data is untouched.
    expect(bytes.subarray(-202).equals(photo.subarray(-202))).toBe(true);

    const upright = await inspect(makeJpeg({ width: 4, height: 4, orientation: 1 }));
    expect(upright.bytes.includes(Buffer.from('Exif'))).toBe(false);

    const kept = await inspect(photo, { stripExif: false });
    expect(kept.bytes.equals(photo)).toBe(true);
  });
});
