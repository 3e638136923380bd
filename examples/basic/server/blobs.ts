import { join } from 'node:path';
import { type BlobStore, createDiskBlobStore } from '@galaxyflow/server-adapter';
import { type AppConfig, ConfigError } from './config';

/**
 * Where uploads and generated images keep their bytes: the S3-compatible bucket named by
 * S3_BUCKET, or content-addressed files under DATA_DIR/blobs. The bucket is checked before
 * the app listens, so a wrong name or key is a start-up error naming the setting, not a 500
 * on the first upload. The AWS SDK loads only when a bucket is configured.
 */
export async function openBlobStore(
  config: AppConfig,
  dataDir: string,
): Promise<{ blobs: BlobStore; close(): void }> {
  if (config.S3_BUCKET === undefined)
    return { blobs: createDiskBlobStore({ dir: join(dataDir, 'blobs') }), close() {} };
  const [{ HeadBucketCommand, S3Client }, { createS3BlobStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@galaxyflow/server-adapter/s3'),
  ]);
  const client = new S3Client({
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: config.S3_ACCESS_KEY_ID,
            secretAccessKey: config.S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    // A bucket that does not answer fails start-up in seconds, not after the SDK's retries.
    maxAttempts: 2,
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.S3_BUCKET }), {
      abortSignal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    client.destroy();
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const why =
      status === 404
        ? 'it does not exist: create it first'
        : status === 403 || status === 401
          ? 'its credentials were refused: check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY'
          : `it did not answer (${(error as Error).name}: ${(error as Error).message})`;
    const where = config.S3_ENDPOINT ? ` at S3_ENDPOINT (${config.S3_ENDPOINT})` : '';
    throw new ConfigError(
      `The app cannot start: the bucket S3_BUCKET=${config.S3_BUCKET}${where} cannot be used; ${why}.`,
    );
  }
  return {
    blobs: createS3BlobStore({ client, bucket: config.S3_BUCKET, prefix: config.S3_PREFIX }),
    close: () => client.destroy(),
  };
}
