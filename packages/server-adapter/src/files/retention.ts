import { pino } from 'pino';
import type { BlobStore } from '../blobs/types';
import { hostError } from '../errors';
import type { RetentionLogger } from '../retention';
import type { FileStore } from '../store/types';

export interface FileRetentionOptions {
  /** The store's files (`store.files`). Required. */
  files: Pick<FileStore, 'pruneFiles' | 'blobInUse'>;
  /** Where their bytes are. Required. */
  blobs: Pick<BlobStore, 'delete'>;
  /**
   * How long a file nothing refers to is kept, in ms: long enough for a user to upload a
   * picture and save the workflow that uses it. Default 1 day (86,400,000).
   */
  olderThanMs?: number;
  /** Time between passes, in ms; the first pass starts at once. Default 1 hour (3,600,000). */
  intervalMs?: number;
  /** Files deleted per transaction. Default 500. */
  batchSize?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Default: pino at `info`, JSON lines on stdout. */
  logger?: RetentionLogger;
}

/** A running file retention timer. */
export interface FileRetention {
  /** Runs a pass now (after the one in progress, if any); resolves with the files it deleted. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes files no workflow and no run refers to once they are `olderThanMs` old, now and
 * every `intervalMs`, and their blobs when no other file has the same bytes. A file a
 * workflow (not deleted) or a run refers to is never deleted. The timer does not keep the
 * process alive; call `stop()` before closing the store.
 */
export function startFileRetention(options: FileRetentionOptions): FileRetention {
  const { files, blobs } = options;
  const olderThanMs = options.olderThanMs ?? DAY_MS;
  const intervalMs = options.intervalMs ?? 60 * 60 * 1000;
  const batchSize = options.batchSize ?? 500;
  for (const [name, value, min] of [
    ['olderThanMs', olderThanMs, 0],
    ['intervalMs', intervalMs, 1],
    ['batchSize', batchSize, 1],
  ] as const) {
    if (!(Number.isInteger(value) && value >= min)) {
      throw hostError(
        'E_INVALID_OPTION',
        `startFileRetention: \`${name}\` must be a whole number of at least ${min}.`,
        { options: [name] },
      );
    }
  }
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ name: 'galaxyflow-file-retention' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let current: Promise<number> = Promise.resolve(0);

  async function pass(): Promise<number> {
    let deleted = 0;
    let blobsDeleted = 0;
    const at = now();
    for (;;) {
      const batch = await files.pruneFiles({ olderThanMs, now: at, limit: batchSize });
      deleted += batch.deleted.length;
      for (const key of batch.orphanedBlobs) {
        // Asked again: the same bytes may have been uploaded since the batch committed.
        if (await files.blobInUse(key)) continue;
        if (await blobs.delete(key)) blobsDeleted += 1;
      }
      if (batch.deleted.length < batchSize || stopped) break;
    }
    if (deleted > 0) {
      logger.info({ deleted, blobsDeleted, olderThanMs }, 'retention deleted unreferenced files');
    }
    return deleted;
  }

  function runOnce(): Promise<number> {
    current = current.catch(() => 0).then(pass);
    return current;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => {
          logger.error({ err: error }, 'file retention pass failed; the next pass tries again');
        })
        .finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref?.();
  }

  schedule(0);
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current.catch(() => 0);
    },
  };
}
