import { ProblemError } from '../errors';

/** The image types `/files` accepts, decided by their bytes. */
export const imageTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof imageTypes)[number];

/** What the bytes of an accepted image say about it. */
export interface ImageInfo {
  contentType: ImageType;
  width: number;
  height: number;
}

export interface InspectOptions {
  /**
   * The type the client declared (`Content-Type`): none or `application/octet-stream` leaves
   * the type to the bytes; any other that disagrees with them is refused.
   */
  declaredType: string | null;
  /** Largest width times height accepted. */
  maxPixels: number;
  /** Removes JPEG metadata segments, keeping only the EXIF orientation. */
  stripExif: boolean;
  /** Called with the image's type and size once the header is read, before any byte is passed on. */
  onInfo(info: ImageInfo): void | Promise<void>;
}

/** Bytes of a JPEG's segments before its image data that are read at most. */
const MAX_JPEG_HEADER = 1024 * 1024;
/** Bytes of the end of the file kept to check it is complete. */
const TAIL = 64;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((value, i) => bytes[at + i] === value);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function invalid(detail: string): ProblemError {
  return new ProblemError('E_FILE_INVALID', { detail });
}

/** The type the first bytes show, or undefined when they are none of the accepted ones. */
function sniff(head: Uint8Array): ImageType | undefined {
  if (startsWith(head, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'image/webp';
  const gif = ascii(head, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'image/gif';
  return undefined;
}

/** Bytes needed before the size of a non-JPEG image can be read. */
const HEADER_BYTES: Record<Exclude<ImageType, 'image/jpeg'>, number> = {
  'image/png': 24,
  'image/gif': 10,
  'image/webp': 30,
};

function sizeOf(type: Exclude<ImageType, 'image/jpeg'>, b: Uint8Array): [number, number] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (type === 'image/png') {
    if (ascii(b, 12, 4) !== 'IHDR') throw invalid('The PNG has no IHDR header.');
    return [view.getUint32(16), view.getUint32(20)];
  }
  if (type === 'image/gif') return [view.getUint16(6, true), view.getUint16(8, true)];
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ')
    return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8X') {
    const width = (b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1;
    const height = (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1;
    return [width, height];
  }
  throw invalid(`The WebP has an unknown first chunk "${chunk}".`);
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

interface JpegHeader {
  /** Offset of the SOS marker: where the image data's segment starts. */
  sos: number;
  width: number;
  height: number;
  /** Each segment before SOS: marker and its bytes (marker included). */
  segments: { marker: number; start: number; end: number }[];
}

/** Walks a JPEG's segments up to the image data; undefined when more bytes are needed. */
function readJpegHeader(b: Uint8Array): JpegHeader | undefined {
  const segments: JpegHeader['segments'] = [];
  let at = 2;
  let size: [number, number] | undefined;
  for (;;) {
    if (at + 4 > b.byteLength) return undefined;
    if (b[at] !== 0xff) throw invalid('The JPEG is malformed: a segment does not start with 0xFF.');
    const marker = b[at + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xda) {
      if (!size) throw invalid('The JPEG has no frame header, so its size is unknown.');
      return { sos: at, width: size[0], height: size[1], segments };
    }
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (length < 2) throw invalid('The JPEG is malformed: a segment length is too short.');
    const end = at + 2 + length;
    if (end > b.byteLength) return undefined;
    if (SOF.has(marker)) {
      if (length < 7) throw invalid('The JPEG frame header is too short.');
      size = [(b[at + 7]! << 8) | b[at + 8]!, (b[at + 5]! << 8) | b[at + 6]!];
    }
    segments.push({ marker, start: at, end });
    at = end;
  }
}

/** The EXIF orientation (1-8) in an APP1 segment's payload, or undefined. */
function exifOrientation(payload: Uint8Array): number | undefined {
  if (ascii(payload, 0, 6) !== 'Exif\0\0' || payload.byteLength < 14) return undefined;
  const tiff = payload.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = ascii(tiff, 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.byteLength) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.byteLength) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/** An APP1 segment holding nothing but the orientation tag. */
function orientationSegment(orientation: number): Uint8Array {
  // biome-ignore format: the segment's fields, one per line
  return new Uint8Array([
    0xff, 0xe1, 0x00, 0x22,                         // APP1, length 34
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00,             // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF, IFD0 at 8
    0x00, 0x01,                                     // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, // Orientation, SHORT, count 1
    0x00, orientation, 0x00, 0x00,                  // its value
    0x00, 0x00, 0x00, 0x00,                         // no next IFD
  ]);
}

/**
 * The header of a JPEG without its metadata: EXIF (GPS, camera, time), XMP, IPTC and comments
 * go; the frame, tables and colour profile stay, and the EXIF orientation is kept in a
 * segment of its own so the picture still shows upright.
 */
function strippedJpegHeader(b: Uint8Array, header: JpegHeader): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let orientation: number | undefined;
  for (const { marker, start, end } of header.segments) {
    const payload = b.subarray(start + 4, end);
    const isExif = marker === 0xe1 && ascii(payload, 0, 6) === 'Exif\0\0';
    if (isExif) orientation ??= exifOrientation(payload);
    // APP1 (EXIF, XMP), APP13 (IPTC), COM.
    if (marker === 0xe1 || marker === 0xed || marker === 0xfe) continue;
    parts.push(b.subarray(start, end));
  }
  if (orientation !== undefined && orientation !== 1) {
    parts.splice(1, 0, orientationSegment(orientation));
  }
  parts.push(b.subarray(header.sos));
  return new Uint8Array(Buffer.concat(parts));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  return new Uint8Array(Buffer.concat([a, b]));
}

/**
 * Passes an upload through only if its bytes are an accepted, complete image: the type is
 * read from the magic bytes (never the client's word), the size from the header before any
 * byte is passed on (so a decompression bomb is refused before it is stored), and the end is
 * checked once the last byte arrived (a truncated file throws then, and the store that was
 * writing it keeps nothing). JPEG metadata is stripped on the way when asked.
 */
export async function* inspectImage(
  source: AsyncIterable<Uint8Array>,
  options: InspectOptions,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let head: Uint8Array = new Uint8Array(0);
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    head = concat(head, next.value);
    return true;
  };

  while (head.byteLength < 12 && (await more()));
  if (head.byteLength === 0) throw invalid('The file is empty.');
  const type = sniff(head);
  if (!type) {
    throw new ProblemError('E_FILE_TYPE_NOT_ALLOWED', {
      detail: 'The bytes are not a PNG, JPEG, WebP or GIF image.',
    });
  }
  const declared = options.declaredType?.split(';')[0]?.trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream' && declared !== type) {
    throw new ProblemError('E_FILE_TYPE_NOT_ALLOWED', {
      detail: `The file was sent as ${declared} but its bytes are ${type}.`,
    });
  }

  let width: number;
  let height: number;
  let first: Uint8Array;
  if (type === 'image/jpeg') {
    let header: JpegHeader | undefined;
    for (;;) {
      header = readJpegHeader(head);
      if (header) break;
      if (head.byteLength > MAX_JPEG_HEADER) {
        throw invalid('The JPEG has more than 1 MiB of metadata before its image data.');
      }
      if (!(await more())) throw invalid('The JPEG ends before its image data.');
    }
    ({ width, height } = header);
    first = options.stripExif ? strippedJpegHeader(head, header) : head;
  } else {
    while (head.byteLength < HEADER_BYTES[type]) {
      if (!(await more())) throw invalid(`The ${type.slice(6).toUpperCase()} ends in its header.`);
    }
    [width, height] = sizeOf(type, head);
    first = head;
  }
  if (width === 0 || height === 0) throw invalid('The image header says it has no pixels.');
  if (width * height > options.maxPixels) {
    throw new ProblemError('E_FILE_TOO_LARGE', {
      detail: `The image is ${width}x${height} pixels; this server accepts at most ${options.maxPixels} pixels.`,
    });
  }
  await options.onInfo({ contentType: type, width, height });

  let total = head.byteLength;
  let tail = head.subarray(Math.max(0, head.byteLength - TAIL));
  yield first;
  while (!ended) {
    const next = await iterator.next();
    if (next.done) break;
    total += next.value.byteLength;
    // Only the last bytes are kept, and a full chunk is never copied for them.
    tail =
      next.value.byteLength >= TAIL
        ? next.value.subarray(next.value.byteLength - TAIL)
        : concat(tail, next.value).subarray(-TAIL);
    yield next.value;
  }

  const complete = (() => {
    if (type === 'image/png') return startsWith(tail, PNG_IEND, tail.byteLength - PNG_IEND.length);
    if (type === 'image/gif') return tail[tail.byteLength - 1] === 0x3b;
    if (type === 'image/webp') {
      const declaredSize = new DataView(head.buffer, head.byteOffset).getUint32(4, true);
      return total >= declaredSize + 8;
    }
    // A JPEG ends with EOI; some cameras pad a few bytes after it.
    for (let i = tail.byteLength - 2; i >= 0; i--) {
      if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    }
    return false;
  })();
  if (!complete)
    throw invalid(`The ${type.slice(6).toUpperCase()} is truncated: its end is missing.`);
}
