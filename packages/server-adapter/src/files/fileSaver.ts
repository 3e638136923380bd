import { type FileSaver, fileRef, GalaxyError, providerError } from '@galaxyflow/engine';
import type { BlobStore } from '../blobs/types';
import { ProblemError } from '../errors';
import type { FileStore } from '../store/types';
import { resumed } from './chunks';
import { type ImageInfo, inspectImage } from './inspectImage';

export interface FileSaverOptions {
  /** The store's files (`store.files`). Required. */
  files: Pick<FileStore, 'createFile' | 'blobInUse'>;
  /** Where their bytes go. Required. */
  blobs: Pick<BlobStore, 'put' | 'delete'>;
  /** Largest image kept, in bytes. Default 10 MiB, as uploads (`files.maxBytes`). */
  maxBytes?: number;
  /** Largest width times height kept. Default 40,000,000, as uploads (`files.maxPixels`). */
  maxPixels?: number;
  /** Bytes of files one user may keep; a generated image past it fails the node. Default: no cap. */
  maxBytesPerUser?: number;
  /** Keeps JPEG metadata. Default false: removed, as from uploads. */
  keepExif?: boolean;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const IMAGE_CODES: Record<string, 'E_IMAGE_TOO_LARGE' | 'E_IMAGE_TYPE' | 'E_IMAGE_INVALID'> = {
  E_FILE_TOO_LARGE: 'E_IMAGE_TOO_LARGE',
  E_FILE_TYPE_NOT_ALLOWED: 'E_IMAGE_TYPE',
  E_FILE_INVALID: 'E_IMAGE_INVALID',
};

/**
 * The image generation node's `context.saveFile` on a server: checks a generated image the way
 * `POST /files` checks an upload (type by its bytes, size, pixels, metadata stripped), stores its
 * bytes in the blob store and records the file for the run's owner, made by the run (so
 * retention keeps it while the run is kept). Pass it beside the loader:
 * `llmContext({ providers, loadFile: createFileLoader(...), saveFile: createFileSaver({ files: store.files, blobs }) })`.
 */
export function createFileSaver(options: FileSaverOptions): FileSaver {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxPixels = options.maxPixels ?? 40_000_000;
  const maxBytesPerUser = options.maxBytesPerUser ?? Number.POSITIVE_INFINITY;
  return async (file, { signal, userId, runId }) => {
    // A file must have an owner to be read again: a run without one stores nothing.
    if (userId === undefined) {
      throw new GalaxyError(
        'E_IMAGE_SAVE_NO_OWNER',
        'The run has no owner to keep the generated image for: give runWorkflow a context.userId.',
      );
    }
    signal?.throwIfAborted();
    if (file.bytes.byteLength > maxBytes) {
      throw providerError(
        'E_IMAGE_TOO_LARGE',
        `The generated image is ${file.bytes.byteLength} bytes; this server keeps files of at most ${maxBytes}.`,
        { details: { size: file.bytes.byteLength, maxBytes } },
      );
    }
    let info: ImageInfo | undefined;
    let stored: { key: string; size: number };
    try {
      const checked = inspectImage(once(file.bytes), {
        // The provider's word on the type counts for nothing: the bytes decide, as for uploads.
        declaredType: null,
        maxPixels,
        stripExif: !options.keepExif,
        onInfo(found) {
          info = found;
        },
      });
      // The first piece comes once the header was judged: then the type is known.
      const first = await checked.next();
      if (first.done || !info) throw new ProblemError('E_FILE_INVALID');
      stored = await options.blobs.put(resumed(first.value, checked), {
        contentType: info.contentType,
      });
    } catch (error) {
      if (error instanceof ProblemError) {
        // The provider sent something no upload would pass: the same verdict, as the node's error.
        throw providerError(
          IMAGE_CODES[error.code] ?? 'E_IMAGE_INVALID',
          `The provider's image cannot be kept: ${error.message}`,
          { cause: error, details: { problem: error.code } },
        );
      }
      throw error;
    }
    if (!info) throw providerError('E_IMAGE_INVALID', "The provider's image is empty.");
    const created = await options.files.createFile(userId, {
      name: file.name,
      contentType: info.contentType,
      size: stored.size,
      sha256: stored.key,
      width: info.width,
      height: info.height,
      ...(runId !== undefined ? { runId } : {}),
      ...(Number.isFinite(maxBytesPerUser) ? { maxBytesPerOwner: maxBytesPerUser } : {}),
    });
    if (!created.ok) {
      if (!(await options.files.blobInUse(stored.key))) await options.blobs.delete(stored.key);
      throw new GalaxyError(
        'E_STORAGE_QUOTA_EXCEEDED',
        `Your files take ${created.usedBytes} bytes and this image (${stored.size} bytes) would pass the ${maxBytesPerUser} bytes this server keeps per user. Delete files you no longer need, then run again.`,
        { details: { usedBytes: created.usedBytes, size: stored.size, maxBytesPerUser } },
      );
    }
    return fileRef(created.file.id);
  };
}
