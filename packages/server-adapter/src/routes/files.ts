import * as z from 'zod';
import { ProblemError } from '../errors';
import { resumed } from '../files/chunks';
import { type ImageInfo, imageTypes, inspectImage } from '../files/inspectImage';
import type { ResolvedOptions } from '../options';
import type { RouteContext, RouteDefinition } from '../routeTypes';
import type { FileRecord } from '../store/types';
import { fileHeaders, matchesEtag } from './fileHeaders';

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

function tooLarge(maxBytes: number): ProblemError {
  return new ProblemError('E_FILE_TOO_LARGE', {
    detail: `The file is larger than ${maxBytes} bytes, the most this server accepts.`,
  });
}

/** Passes the body on, refusing it with 413 the moment it passes `maxBytes`. */
async function* capped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    yield chunk;
  }
}

/**
 * `/files`: upload (the body is the file, streamed through the checks into the blob store),
 * list, read, download and delete the caller's files. Another user's file answers 404.
 * Present when the router has a blob store and the store keeps files.
 */
export function fileRoutes(options: ResolvedOptions): RouteDefinition[] {
  const { blobs, schemas: s } = options;
  const files = options.store.files;
  if (!blobs || !files) return [];
  const limits = options.files;

  async function ownFile(context: RouteContext): Promise<FileRecord> {
    const file = await files!.getFile(context.userId, context.params.id!);
    if (!file) throw new ProblemError('E_FILE_NOT_FOUND');
    return file;
  }

  function quotaExceeded(usedBytes: number, adding: number): ProblemError {
    return new ProblemError('E_STORAGE_QUOTA_EXCEEDED', {
      detail: `Your files take ${usedBytes} bytes and this one (${adding} bytes) would pass the ${limits.maxBytesPerUser} bytes this server keeps per user. Delete files you no longer need (DELETE /files/{id}), then upload again.`,
    });
  }

  return [
    {
      method: 'POST',
      path: '/files',
      auth: true,
      operationId: 'uploadFile',
      summary:
        'Uploads a PNG, JPEG, WebP or GIF image: the request body is the file itself (Content-Type its image type or application/octet-stream). The type is read from the bytes; JPEG metadata is removed.',
      query: s.FileUploadQuery,
      responses: { 201: { schema: s.File, description: 'The stored file.' } },
      problems: [400, 409, 413, 415, 422],
      async handler(context) {
        const query = context.parseQuery(s.FileUploadQuery);
        const declaredLength = Number(context.headers.get('content-length'));
        const known = Number.isFinite(declaredLength) && declaredLength >= 0;
        if (known && declaredLength > limits.maxBytes) throw tooLarge(limits.maxBytes);
        if (known && Number.isFinite(limits.maxBytesPerUser)) {
          const { bytes } = await files.fileUsage(context.userId);
          if (bytes + declaredLength > limits.maxBytesPerUser) {
            throw quotaExceeded(bytes, declaredLength);
          }
        }

        let info: ImageInfo | undefined;
        const checked = inspectImage(capped(context.bodyStream(), limits.maxBytes), {
          declaredType: context.headers.get('content-type'),
          maxPixels: limits.maxPixels,
          stripExif: !limits.keepExif,
          onInfo(found) {
            info = found;
          },
        });
        // The first piece comes once the header was judged: then the type is known.
        const first = await checked.next();
        if (first.done || !info) throw new ProblemError('E_FILE_INVALID');
        const blob = await blobs.put(resumed(first.value, checked), {
          contentType: info.contentType,
        });

        const name = query.name ?? `upload.${EXTENSIONS[info.contentType]}`;
        const created = await files.createFile(context.userId, {
          name,
          contentType: info.contentType,
          size: blob.size,
          sha256: blob.key,
          width: info.width,
          height: info.height,
          ...(Number.isFinite(limits.maxBytesPerUser)
            ? { maxBytesPerOwner: limits.maxBytesPerUser }
            : {}),
        });
        if (!created.ok) {
          if (!(await files.blobInUse(blob.key))) await blobs.delete(blob.key);
          throw quotaExceeded(created.usedBytes, blob.size);
        }
        return {
          status: 201,
          body: created.file,
          headers: { etag: `"${created.file.sha256}"` },
        };
      },
    },
    {
      method: 'GET',
      path: '/files',
      auth: true,
      operationId: 'listFiles',
      summary: 'Lists your files, newest first.',
      query: s.PageQuery,
      responses: { 200: { schema: s.FilePage, description: 'A page of files.' } },
      problems: [400],
      async handler(context) {
        const query = context.parseQuery(s.PageQuery);
        return { status: 200, body: await files.listFiles(context.userId, query) };
      },
    },
    {
      method: 'GET',
      path: '/files/:id',
      auth: true,
      operationId: 'getFile',
      summary: 'One file: its name, type, size and pixel size.',
      responses: { 200: { schema: s.File, description: 'The file.' } },
      problems: [404],
      async handler(context) {
        const file = await ownFile(context);
        return { status: 200, body: file, headers: { etag: `"${file.sha256}"` } };
      },
    },
    {
      method: 'GET',
      path: '/files/:id/content',
      auth: true,
      operationId: 'getFileContent',
      summary:
        'The bytes of a file, with its type, `Content-Disposition`, `nosniff` and a CSP that lets nothing in it run.',
      responses: {
        200: { schema: z.any(), description: 'The bytes.', mediaType: imageTypes },
        304: { schema: z.null(), description: 'Unchanged since the ETag sent in If-None-Match.' },
      },
      problems: [404],
      async handler(context) {
        const file = await ownFile(context);
        const headers: Record<string, string> = {
          ...fileHeaders(file),
          'cache-control': 'private, max-age=3600',
        };
        if (matchesEtag(context.headers.get('if-none-match'), file.sha256)) {
          delete headers['content-length'];
          return { status: 304, body: undefined, headers };
        }
        const object = await blobs.get(file.sha256);
        if (!object) {
          context.log.error({ fileId: file.id, sha256: file.sha256 }, 'file blob missing');
          throw new ProblemError('E_FILE_NOT_FOUND');
        }
        return { status: 200, body: undefined, headers, bytes: object.body };
      },
    },
    {
      method: 'DELETE',
      path: '/files/:id',
      auth: true,
      operationId: 'deleteFile',
      summary: 'Deletes a file. Workflows that name it can no longer run it.',
      responses: { 204: { schema: z.null(), description: 'Deleted.' } },
      problems: [404],
      async handler(context) {
        const deleted = await files.deleteFile(context.userId, context.params.id!);
        if (!deleted.ok) throw new ProblemError('E_FILE_NOT_FOUND');
        if (!deleted.blobInUse) await blobs.delete(deleted.file.sha256);
        return { status: 204, body: undefined };
      },
    },
  ];
}
