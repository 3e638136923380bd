import { type FileLoader, providerError } from '@galaxyflow/engine';
import type { BlobStore } from '../blobs/types';
import type { FileStore } from '../store/types';

export interface FileLoaderOptions {
  /** The store's files (`store.files`). Required. */
  files: Pick<FileStore, 'getFile'>;
  /** Where their bytes are. Required. */
  blobs: Pick<BlobStore, 'get'>;
  /** Largest file handed to a model, in bytes. Default 20 MiB (the inline limit of the common APIs). */
  maxBytes?: number;
}

/**
 * The Vision node's `context.loadFile` on a server: reads a file of the run's owner from the
 * store and its bytes from the blob store, never through a URL, so a file reference cannot be
 * turned into a request to another address. Pass it with the providers:
 * `createInProcessQueue({ ..., context: llmContext({ providers, loadFile: createFileLoader({ files: store.files, blobs }) }) })`.
 */
export function createFileLoader(options: FileLoaderOptions): FileLoader {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  return async (fileId, { signal, userId }) => {
    const notFound = () =>
      providerError('E_IMAGE_FILE_NOT_FOUND', `The uploaded file "${fileId}" does not exist.`, {
        details: { fileId },
      });
    // A run without an owner could read anyone's files: it reads none.
    if (userId === undefined) throw notFound();
    const file = await options.files.getFile(userId, fileId);
    if (!file) throw notFound();
    if (file.size > maxBytes) {
      throw providerError(
        'E_IMAGE_TOO_LARGE',
        `The file is ${file.size} bytes; at most ${maxBytes} go to a model.`,
        { details: { fileId, size: file.size, maxBytes } },
      );
    }
    const object = await options.blobs.get(file.sha256);
    if (!object) throw notFound();
    const parts: Uint8Array[] = [];
    for await (const part of object.body) {
      signal?.throwIfAborted();
      parts.push(part);
    }
    return { mimeType: file.contentType, base64: Buffer.concat(parts).toString('base64') };
  };
}
