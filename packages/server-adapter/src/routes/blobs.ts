import * as z from 'zod';
import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';
import { fileHeaders } from './fileHeaders';

/**
 * `GET /blobs/:key?exp=&sig=`: the bytes behind a signed URL of a blob store whose URLs this
 * router serves (the disk store), for a provider fetching a file it was handed. Public: the
 * signature is the credential. Absent when the blob store signs URLs of its own (S3).
 */
export function blobRoutes({ blobs }: ResolvedOptions): RouteDefinition[] {
  const verify = blobs?.verifySignature?.bind(blobs);
  if (!blobs || !verify) return [];
  return [
    {
      method: 'GET',
      path: '/blobs/:key',
      auth: false,
      operationId: 'getSignedBlob',
      summary: 'The bytes of a file through a short-lived signed URL the server handed out.',
      responses: {
        200: { schema: z.any(), description: 'The bytes.', mediaType: 'application/octet-stream' },
      },
      problems: [404],
      async handler(context) {
        const key = context.params.key!;
        const exp = context.query.get('exp') ?? '';
        const sig = context.query.get('sig') ?? '';
        // A bad or expired signature reads like a missing blob: nothing to learn by probing.
        const object = verify(key, exp, sig) ? await blobs.get(key) : undefined;
        if (!object) throw new ProblemError('E_FILE_NOT_FOUND');
        const { info } = object;
        return {
          status: 200,
          body: undefined,
          headers: {
            ...fileHeaders({ contentType: info.contentType, size: info.size, sha256: info.key }),
            'cache-control': 'private, no-store',
          },
          bytes: object.body,
        };
      },
    },
  ];
}
