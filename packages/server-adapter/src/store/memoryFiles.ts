import { randomUUID } from 'node:crypto';
import type { FileRecord, FileStore, Page } from './types';

const DEFAULT_FILE_PRUNE_LIMIT = 500;

export interface MemoryFilesContext {
  now: () => number;
  /**
   * Whether a live workflow of the file's owner (any version of it) or a run of the owner
   * (its graph, or as the run that produced it) names the file: read from the store's maps
   * each time, which is what the SQL stores record as references.
   */
  isReferenced(file: FileRecord, producedBy: ReadonlySet<string>): boolean;
}

/** The in-memory store's files. */
export function createMemoryFiles(context: MemoryFilesContext): FileStore {
  const files = new Map<string, { record: FileRecord; producedBy: Set<string> }>();
  const usage = (ownerId: string) => {
    let bytes = 0;
    let count = 0;
    for (const { record } of files.values()) {
      if (record.ownerId !== ownerId) continue;
      bytes += record.size;
      count += 1;
    }
    return { bytes, count };
  };
  const own = (ownerId: string, fileId: string) => {
    const file = files.get(fileId);
    return file && file.record.ownerId === ownerId ? file : undefined;
  };
  const sameBytes = (sha256: string) =>
    [...files.values()].some(({ record }) => record.sha256 === sha256);

  return {
    async createFile(ownerId, input) {
      const max = input.maxBytesPerOwner ?? Number.POSITIVE_INFINITY;
      const usedBytes = usage(ownerId).bytes;
      if (usedBytes + input.size > max) return { ok: false, reason: 'quota', usedBytes };
      const record: FileRecord = {
        id: randomUUID(),
        ownerId,
        name: input.name,
        contentType: input.contentType,
        size: input.size,
        sha256: input.sha256,
        width: input.width,
        height: input.height,
        createdAt: context.now(),
      };
      files.set(record.id, {
        record,
        producedBy: new Set(input.runId === undefined ? [] : [input.runId]),
      });
      return { ok: true, file: { ...record } };
    },

    async getFile(ownerId, fileId) {
      const file = own(ownerId, fileId);
      return file ? { ...file.record } : undefined;
    },

    async listFiles(ownerId, query): Promise<Page<FileRecord>> {
      const all = [...files.values()]
        .map(({ record }) => record)
        .filter((record) => record.ownerId === ownerId)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const start = (query.page - 1) * query.limit;
      return {
        items: all.slice(start, start + query.limit).map((record) => ({ ...record })),
        page: query.page,
        limit: query.limit,
        total: all.length,
      };
    },

    async deleteFile(ownerId, fileId) {
      const file = own(ownerId, fileId);
      if (!file) return { ok: false, reason: 'not_found' };
      files.delete(fileId);
      return { ok: true, file: { ...file.record }, blobInUse: sameBytes(file.record.sha256) };
    },

    async blobInUse(sha256) {
      return sameBytes(sha256);
    },

    async fileUsage(ownerId) {
      return usage(ownerId);
    },

    async pruneFiles(input) {
      const cutoff = (input.now ?? context.now()) - input.olderThanMs;
      const limit = input.limit ?? DEFAULT_FILE_PRUNE_LIMIT;
      const candidates = [...files.values()]
        .filter(
          ({ record, producedBy }) =>
            record.createdAt < cutoff && !context.isReferenced(record, producedBy),
        )
        .sort((a, b) => a.record.createdAt - b.record.createdAt)
        .slice(0, limit);
      for (const { record } of candidates) files.delete(record.id);
      const deleted = candidates.map(({ record }) => ({ ...record }));
      const orphanedBlobs = [...new Set(deleted.map((file) => file.sha256))].filter(
        (sha256) => !sameBytes(sha256),
      );
      return { deleted, orphanedBlobs };
    },
  };
}
