import { providerError } from './errors';
import type { ImageData } from './types';

/** Image types models accept and the engine lets through. No SVG: it is a document, not a picture. */
export const IMAGE_MIME_TYPES: readonly string[] = Object.freeze([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/heic',
  'image/heif',
]);

/** Default size limit of one image, in bytes (20 MiB, the inline limit of the common APIs). */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** Options shared by every way of loading an image. */
export interface ImageLimits {
  /** Largest image accepted, in bytes. Default 20 MiB. */
  maxBytes?: number;
  /** MIME types accepted. Default `IMAGE_MIME_TYPES`. */
  allowedTypes?: readonly string[];
}

/**
 * Downloads an image URL for the Vision node. The host provides one through `runWorkflow`'s
 * `context.fetchImage` (on a server: `createImageFetcher()` from `@galaxyflow/engine/node`,
 * which guards against SSRF). Rejects with a `GalaxyError` (`E_SSRF_BLOCKED`,
 * `E_IMAGE_FETCH`, `E_IMAGE_TOO_LARGE`, `E_IMAGE_TYPE`) or `CanceledError`.
 */
export type ImageFetcher = (url: string, options?: { signal?: AbortSignal }) => Promise<ImageData>;

/**
 * How an uploaded file travels on an `image` port: `galaxy-file:<fileId>`. A string, like every
 * image value, so each consumer of image ports keeps working; only the host's file loader
 * (`context.loadFile`) turns it into bytes, never the URL fetcher.
 */
export const FILE_REF_PREFIX = 'galaxy-file:';

/** The image value that refers to an uploaded file. */
export function fileRef(fileId: string): string {
  return `${FILE_REF_PREFIX}${fileId}`;
}

/** The file id an image value refers to, or undefined when it is a URL or data URL. */
export function fileIdOf(value: string): string | undefined {
  if (!value.startsWith(FILE_REF_PREFIX)) return undefined;
  const id = value.slice(FILE_REF_PREFIX.length).trim();
  return id === '' ? undefined : id;
}

/** A generated image to store, as the image generation node hands it to the host. */
export interface FileToSave {
  bytes: Uint8Array;
  /** The type the provider declared; the host reads the real one from the bytes. */
  mimeType: string;
  /** File name shown in listings, e.g. `generated-1.png`. */
  name: string;
}

/**
 * Stores a generated image for the image generation node and resolves with its reference
 * (`galaxy-file:<id>`): the host provides one through `runWorkflow`'s `context.saveFile` (the
 * server adapter's `createFileSaver`), owned by `userId` (the run's owner) and recorded as made
 * by `runId`. Without one, the node returns data URLs.
 */
export type FileSaver = (
  file: FileToSave,
  options: { signal?: AbortSignal; userId: string | undefined; runId: string | undefined },
) => Promise<string>;

/**
 * Reads an uploaded file for the Vision node: the host provides one through `runWorkflow`'s
 * `context.loadFile` (the server adapter's `createFileLoader`), which reads only files of
 * `userId` (the run's owner). Rejects with `E_IMAGE_FILE_NOT_FOUND` for a file that is not
 * there or not theirs.
 */
export type FileLoader = (
  fileId: string,
  options: { signal?: AbortSignal; userId: string | undefined },
) => Promise<ImageData>;

/** The real type of image bytes, read from their first bytes; undefined when not a known image. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const at = (i: number) => bytes[i] ?? -1;
  const ascii = (start: number, text: string) => [...text].every((ch, i) => at(start + i) === ch.charCodeAt(0));
  if (at(0) === 0x89 && ascii(1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(4, 'ftyp')) {
    const brand = String.fromCharCode(at(8), at(9), at(10), at(11));
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(brand)) return 'image/heic';
    if (['mif1', 'msf1', 'heif'].includes(brand)) return 'image/heif';
  }
  return undefined;
}

/** Bytes of base64 text (no `data:` prefix), in any runtime. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 of bytes, in chunks so large images do not overflow the call stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function base64Prefix(base64: string, bytes: number): Uint8Array {
  const head = base64.slice(0, Math.ceil(bytes / 3) * 4);
  const binary = atob(head);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Checks that bytes are an allowed image and returns the type to send: the sniffed one,
 * since a server's `Content-Type` (or a data URL's) may be wrong.
 */
export function checkImageBytes(head: Uint8Array, declaredType: string | undefined, limits: ImageLimits = {}): string {
  const allowed = limits.allowedTypes ?? IMAGE_MIME_TYPES;
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase();
  const sniffed = sniffImageType(head);
  if (!sniffed) {
    throw providerError(
      'E_IMAGE_TYPE',
      `The image is not a supported picture${declared ? ` (declared as ${declared})` : ''}; use ${allowed.join(', ')}.`,
      { details: declared ? { declaredType: declared } : {} },
    );
  }
  if (!allowed.includes(sniffed)) {
    throw providerError('E_IMAGE_TYPE', `Images of type ${sniffed} are not accepted; use ${allowed.join(', ')}.`, {
      details: { type: sniffed },
    });
  }
  return sniffed;
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)$/is;

/** Whether a value is a `data:` URL (checked before anything tries to fetch it). */
export function isDataUrl(value: string): boolean {
  return /^data:/i.test(value.trimStart());
}

/** Reads a base64 `data:` URL into an image, enforcing the type and size limits. */
export function parseImageDataUrl(url: string, limits: ImageLimits = {}): ImageData {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const match = DATA_URL.exec(url.trim());
  if (!match) {
    throw providerError('E_IMAGE_INVALID', 'An image data URL must look like data:image/png;base64,… (base64 only).');
  }
  const base64 = match[3]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1 || base64.length === 0) {
    throw providerError('E_IMAGE_INVALID', 'The image data URL does not hold valid base64.');
  }
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const size = Math.floor((base64.length * 3) / 4) - padding;
  if (size > maxBytes) {
    throw providerError('E_IMAGE_TOO_LARGE', `The image is ${size} bytes; the limit is ${maxBytes} bytes.`, {
      details: { bytes: size, maxBytes },
    });
  }
  const mimeType = checkImageBytes(base64Prefix(base64, 16), match[1] || undefined, limits);
  return { mimeType, base64 };
}
