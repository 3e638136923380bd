import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BLOB_KEY, type BlobInfo, type BlobStore } from '../blobs/types';
import { hostError } from '../errors';

export interface S3BlobStoreOptions {
  /**
   * The SDK client, configured by the host: region and credentials; for Cloudflare R2 or
   * MinIO also `endpoint` (and `forcePathStyle: true` for MinIO). Required.
   */
  client: S3Client;
  /** The bucket blobs go in; it must exist. Required. */
  bucket: string;
  /** Prepended to every object key, e.g. `galaxy/blobs/`. Default `''`. */
  prefix?: string;
  /**
   * Where an upload is spooled while it is hashed, so its key is known before S3 sees it.
   * Default the OS temporary folder.
   */
  spoolDir?: string;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO) through the AWS SDK, one
 * object per sha256. A body is spooled to a temporary file while it is hashed (memory stays
 * flat whatever its size), then sent with its length and checksum: no object ever holds half
 * a blob, and bytes already stored are not sent again. Signed URLs are S3's own presigned GETs.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket } = options;
  const prefix = options.prefix ?? '';
  if (typeof bucket !== 'string' || bucket === '') {
    throw hostError('E_INVALID_OPTION', 'S3 blob store: `bucket` is required.', {
      options: ['bucket'],
    });
  }
  const objectKey = (key: string) => `${prefix}${key}`;

  async function head(key: string): Promise<BlobInfo | undefined> {
    if (!BLOB_KEY.test(key)) return undefined;
    try {
      const found = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }),
      );
      return {
        key,
        size: found.ContentLength ?? 0,
        contentType: found.ContentType ?? 'application/octet-stream',
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    async put(body, putOptions) {
      const maxBytes = putOptions.maxBytes ?? Number.POSITIVE_INFINITY;
      const dir = await mkdtemp(join(options.spoolDir ?? tmpdir(), 'galaxy-s3-'));
      const spool = join(dir, randomUUID());
      try {
        const hash = createHash('sha256');
        let size = 0;
        const file = createWriteStream(spool, { flags: 'wx' });
        const failed = new Promise<never>((_, reject) => file.once('error', reject));
        failed.catch(() => undefined);
        try {
          for await (const chunk of body) {
            size += chunk.byteLength;
            if (size > maxBytes) throw hostError('E_BLOB_TOO_LARGE', undefined, { maxBytes });
            hash.update(chunk);
            if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
          }
          file.end();
          await Promise.race([finished(file), failed]);
        } catch (error) {
          file.destroy();
          throw error;
        }
        const digest = hash.digest();
        const key = digest.toString('hex');
        const existing = await head(key);
        if (existing && existing.size === size && existing.contentType === putOptions.contentType) {
          return existing;
        }
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectKey(key),
            Body: createReadStream(spool),
            ContentLength: size,
            ContentType: putOptions.contentType,
            ChecksumSHA256: digest.toString('base64'),
          }),
        );
        return { key, size, contentType: putOptions.contentType };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async get(key) {
      if (!BLOB_KEY.test(key)) return undefined;
      try {
        const found = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }),
        );
        const body = found.Body as AsyncIterable<Uint8Array> | undefined;
        if (!body) return undefined;
        return {
          info: {
            key,
            size: found.ContentLength ?? 0,
            contentType: found.ContentType ?? 'application/octet-stream',
          },
          body,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    head,

    async delete(key) {
      if (!(await head(key))) return false;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return true;
    },

    async signedUrl(key, urlOptions = {}) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }), {
        expiresIn: Math.max(1, Math.trunc(urlOptions.expiresInSeconds ?? 300)),
      });
    },

    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (cause) {
        throw hostError(
          'E_BLOB_STORE_UNAVAILABLE',
          `The S3 bucket "${bucket}" cannot be reached.`,
          { bucket },
          cause,
        );
      }
    },
  };
}
