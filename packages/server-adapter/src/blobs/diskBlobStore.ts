import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { hostError } from '../errors';
import { BLOB_KEY, type BlobInfo, type BlobStore } from './types';

export interface DiskBlobStoreOptions {
  /** The folder blobs live under (e.g. `DATA_DIR/blobs`); created if missing. */
  dir: string;
  /**
   * The secret signed URLs are signed with, at least 32 characters; every instance serving the
   * same blobs needs the same one. Without it `signedUrl` throws. Default none.
   */
  signingSecret?: string;
  /**
   * Where the router serving `GET /blobs/:key` is mounted, as a client reaches it, e.g.
   * `https://flow.example.com/api`: signed URLs start with it. Default none (`signedUrl` throws).
   */
  publicUrl?: string;
  /** Clock in epoch ms, for signatures' expiry. Default `Date.now`. */
  now?: () => number;
}

const MIN_SECRET_LENGTH = 32;
const DEFAULT_EXPIRY_SECONDS = 300;

interface Meta {
  contentType: string;
}

/**
 * The embedded blob store: one file per blob under `dir`, named by its sha256 (in a folder
 * named by the first two hex digits, so no folder grows past a few thousand entries). Bytes
 * are written to a temporary file as they arrive and renamed into place once complete and
 * hashed, so a reader never sees half a blob and a failed upload leaves nothing. Signed URLs
 * are HMAC-signed and served by the router at `GET /blobs/:key?exp=&sig=`.
 */
export function createDiskBlobStore(options: DiskBlobStoreOptions): BlobStore {
  const { dir, signingSecret, publicUrl } = options;
  const now = options.now ?? Date.now;
  if (signingSecret !== undefined && signingSecret.length < MIN_SECRET_LENGTH) {
    throw hostError(
      'E_INVALID_OPTION',
      `Disk blob store: \`signingSecret\` must be at least ${MIN_SECRET_LENGTH} characters.`,
      { options: ['signingSecret'] },
    );
  }
  const tmpDir = join(dir, 'tmp');
  let ready: Promise<unknown> | undefined;
  const ensureDirs = () => {
    ready ??= mkdir(tmpDir, { recursive: true });
    return ready;
  };

  const pathOf = (key: string) => join(dir, key.slice(0, 2), key);
  const metaPathOf = (key: string) => `${pathOf(key)}.json`;

  function sign(key: string, exp: string): string {
    return createHmac('sha256', signingSecret ?? '')
      .update(`${key}.${exp}`)
      .digest('base64url');
  }

  async function head(key: string): Promise<BlobInfo | undefined> {
    if (!BLOB_KEY.test(key)) return undefined;
    try {
      const [stats, meta] = await Promise.all([
        stat(pathOf(key)),
        readFile(metaPathOf(key), 'utf8'),
      ]);
      return { key, size: stats.size, contentType: (JSON.parse(meta) as Meta).contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  return {
    async put(body, putOptions) {
      await ensureDirs();
      const maxBytes = putOptions.maxBytes ?? Number.POSITIVE_INFINITY;
      const temp = join(tmpDir, randomUUID());
      const hash = createHash('sha256');
      let size = 0;
      // A write stream queues chunks and writes them together, where awaiting each write
      // would cost a round trip to the thread pool per chunk.
      const file = createWriteStream(temp, { flags: 'wx' });
      const failed = new Promise<never>((_, reject) => file.once('error', reject));
      failed.catch(() => undefined);
      try {
        for await (const chunk of body) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            throw hostError('E_BLOB_TOO_LARGE', undefined, { maxBytes });
          }
          hash.update(chunk);
          if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
        }
        file.end();
        await Promise.race([finished(file), failed]);
      } catch (error) {
        file.destroy();
        await finished(file).catch(() => undefined);
        await rm(temp, { force: true });
        throw error;
      }
      const key = hash.digest('hex');
      try {
        await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
        // The type first: a blob whose bytes are in place always has one.
        const metaTemp = `${temp}.json`;
        await writeFile(metaTemp, JSON.stringify({ contentType: putOptions.contentType }));
        await rename(metaTemp, metaPathOf(key));
        await rename(temp, pathOf(key));
      } catch (error) {
        await rm(temp, { force: true });
        await rm(`${temp}.json`, { force: true });
        throw error;
      }
      return { key, size, contentType: putOptions.contentType };
    },

    async get(key) {
      const info = await head(key);
      if (!info) return undefined;
      return { info, body: createReadStream(pathOf(key)) };
    },

    head,

    async delete(key) {
      if (!BLOB_KEY.test(key)) return false;
      const existed = (await head(key)) !== undefined;
      await rm(pathOf(key), { force: true });
      await rm(metaPathOf(key), { force: true });
      return existed;
    },

    async signedUrl(key, urlOptions = {}) {
      if (signingSecret === undefined || publicUrl === undefined) {
        throw hostError(
          'E_INVALID_OPTION',
          'Disk blob store: signed URLs need `signingSecret` and `publicUrl` (where the router is mounted).',
          { options: ['signingSecret', 'publicUrl'] },
        );
      }
      const seconds = urlOptions.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS;
      const exp = String(Math.floor(now() / 1000) + Math.max(1, Math.trunc(seconds)));
      const base = publicUrl.replace(/\/+$/, '');
      return `${base}/blobs/${key}?exp=${exp}&sig=${sign(key, exp)}`;
    },

    verifySignature(key, exp, sig) {
      if (signingSecret === undefined || !BLOB_KEY.test(key) || !/^\d{1,12}$/.test(exp)) {
        return false;
      }
      if (Number(exp) * 1000 < now()) return false;
      const expected = Buffer.from(sign(key, exp));
      const given = Buffer.from(sig);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    async ping() {
      await ensureDirs();
      await stat(dir);
    },
  };
}
